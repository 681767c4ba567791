# The .bitmap parser and the EWAH decoder, which read the files of repositories on disk
# (trusted, but a damaged file must be an error, not a crash).
gitgate_fuzzer(pack_bitmap_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/pack_bitmap_fuzz.cc ${PROJECT_SOURCE_DIR}/git/pack/pack_bitmap.cc
  LIBS fmt::fmt)
gitgate_fuzz_test(pack_bitmap_fuzz 20)
