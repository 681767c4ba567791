# The links of a pushed commit, tag or tree, as the connectivity walk reads them.
gitgate_fuzzer(receive_object_links_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/receive_object_links_fuzz.cc
          ${PROJECT_SOURCE_DIR}/git/receive/object_links.cc
          ${PROJECT_SOURCE_DIR}/git/pack/oid.cc
  LIBS fmt::fmt PkgConfig::LIBGIT2)
gitgate_fuzz_test(receive_object_links_fuzz 20)
