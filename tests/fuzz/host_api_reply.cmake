gitgate_fuzzer(host_api_reply_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/host_api_reply_fuzz.cc
          ${PROJECT_SOURCE_DIR}/auth/detail/host_api_reply.cc
          ${PROJECT_SOURCE_DIR}/auth/detail/user_name.cc
          ${PROJECT_SOURCE_DIR}/auth/host_api.cc
          ${PROJECT_SOURCE_DIR}/auth/detail/reply_cache.cc
  LIBS fmt::fmt nlohmann_json::nlohmann_json CURL::libcurl)
gitgate_fuzz_test(host_api_reply_fuzz 15)
