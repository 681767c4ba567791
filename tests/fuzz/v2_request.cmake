# Protocol v2 requests: framing (command, capabilities, delim, arguments, flush), the
# ls-refs/fetch/object-info argument parsers, shallow/deepen lines and filter-specs.
gitgate_fuzzer(v2_request_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/v2_request_fuzz.cc ${PROJECT_SOURCE_DIR}/git/protocol/pktline.cc
          ${PROJECT_SOURCE_DIR}/git/protocol/v2_request.cc
          ${PROJECT_SOURCE_DIR}/git/select/shallow_request.cc
          ${PROJECT_SOURCE_DIR}/git/protocol/request_bounds.cc
          ${PROJECT_SOURCE_DIR}/git/select/object_filter.cc
          ${PROJECT_SOURCE_DIR}/git/protocol/negotiation.cc
          ${PROJECT_SOURCE_DIR}/git/pack/libgit2.cc ${PROJECT_SOURCE_DIR}/git/pack/oid.cc
  LIBS fmt::fmt PkgConfig::LIBGIT2)
gitgate_fuzz_test(v2_request_fuzz 20)
