# parse_certificate reads the blob a client offers in publickey authentication, before it
# has proven anything; RevokedKeys::parse the revoked_keys file (KRL or text).
gitgate_fuzzer(ssh_certificate_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/ssh_certificate_fuzz.cc
          ${PROJECT_SOURCE_DIR}/auth/certificate.cc ${PROJECT_SOURCE_DIR}/auth/revoked_keys.cc
          ${PROJECT_SOURCE_DIR}/auth/detail/ssh_wire.cc ${PROJECT_SOURCE_DIR}/auth/detail/ssh_key.cc
          ${PROJECT_SOURCE_DIR}/auth/detail/ssh_signature.cc ${PROJECT_SOURCE_DIR}/auth/detail/krl.cc
          ${PROJECT_SOURCE_DIR}/auth/detail/key_lines.cc ${PROJECT_SOURCE_DIR}/auth/detail/base64.cc
  LIBS fmt::fmt OpenSSL::Crypto)
gitgate_fuzz_test(ssh_certificate_fuzz 15)
