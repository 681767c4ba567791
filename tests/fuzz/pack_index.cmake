# The .idx v2 parser and the pack entry/pack header parsers, which read the files of
# repositories on disk (trusted, but a damaged file must be an error, not a crash).
gitgate_fuzzer(pack_index_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/pack_index_fuzz.cc ${PROJECT_SOURCE_DIR}/git/pack/pack_index.cc
          ${PROJECT_SOURCE_DIR}/git/pack/pack_entry.cc
  LIBS fmt::fmt)
gitgate_fuzz_test(pack_index_fuzz 20)
