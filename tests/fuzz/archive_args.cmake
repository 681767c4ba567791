# upload-archive's request: argument pkt-lines up to a flush, then the arguments as git's
# parse_archive_args() reads a remote's, and pathspec normalisation.
gitgate_fuzzer(archive_args_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/archive_args_fuzz.cc
          ${PROJECT_SOURCE_DIR}/git/protocol/pktline.cc
          ${PROJECT_SOURCE_DIR}/git/archive/archive_args.cc
          ${PROJECT_SOURCE_DIR}/git/archive/archive_tree.cc
          ${PROJECT_SOURCE_DIR}/git/pack/libgit2.cc ${PROJECT_SOURCE_DIR}/git/pack/oid.cc
  LIBS fmt::fmt PkgConfig::LIBGIT2)
gitgate_fuzz_test(archive_args_fuzz 15)
