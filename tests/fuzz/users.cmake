gitgate_fuzzer(users_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/users_fuzz.cc ${PROJECT_SOURCE_DIR}/auth/users.cc
          ${PROJECT_SOURCE_DIR}/auth/detail/authorized_key.cc
          ${PROJECT_SOURCE_DIR}/auth/detail/base64.cc ${PROJECT_SOURCE_DIR}/auth/detail/glob.cc
          ${PROJECT_SOURCE_DIR}/auth/detail/user_name.cc
  LIBS tomlplusplus::tomlplusplus fmt::fmt OpenSSL::Crypto)
gitgate_fuzz_test(users_fuzz 20)
