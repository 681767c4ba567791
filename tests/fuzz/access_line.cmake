# format_access_line over arbitrary field text: printable ASCII, 13 fields, a lossless escape.
gitgate_fuzzer(access_line_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/access_line_fuzz.cc
          ${PROJECT_SOURCE_DIR}/logging/access_log.cc
          ${PROJECT_SOURCE_DIR}/net/socket_address.cc
  LIBS fmt::fmt)
gitgate_fuzz_test(access_line_fuzz 20)
