gitgate_fuzzer(config_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/config_fuzz.cc ${PROJECT_SOURCE_DIR}/server/config.cc
          ${PROJECT_SOURCE_DIR}/server/detail/config_parser.cc
          ${PROJECT_SOURCE_DIR}/server/detail/table_reader.cc
          ${PROJECT_SOURCE_DIR}/server/detail/http_config.cc
          ${PROJECT_SOURCE_DIR}/server/detail/auth_api_config.cc
          ${PROJECT_SOURCE_DIR}/server/detail/auth_cert_config.cc
          ${PROJECT_SOURCE_DIR}/server/detail/ssh_config.cc
          ${PROJECT_SOURCE_DIR}/server/detail/listen_address.cc
          ${PROJECT_SOURCE_DIR}/server/detail/push_table.cc
          ${PROJECT_SOURCE_DIR}/server/ssh_algorithms.cc ${PROJECT_SOURCE_DIR}/server/admission.cc
  LIBS gitgate_proxyproto gitgate_auth tomlplusplus::tomlplusplus fmt::fmt ssh)
gitgate_fuzz_test(config_fuzz 20)
