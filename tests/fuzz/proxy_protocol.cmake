gitgate_fuzzer(proxy_protocol_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/proxy_protocol_fuzz.cc
          ${PROJECT_SOURCE_DIR}/proxyproto/proxy_protocol.cc
          ${PROJECT_SOURCE_DIR}/net/socket_address.cc
          ${PROJECT_SOURCE_DIR}/proxyproto/detail/v1.cc
          ${PROJECT_SOURCE_DIR}/proxyproto/detail/v1_address.cc
          ${PROJECT_SOURCE_DIR}/proxyproto/detail/v2.cc
          ${PROJECT_SOURCE_DIR}/proxyproto/detail/tlv.cc)
gitgate_fuzz_test(proxy_protocol_fuzz 60)
