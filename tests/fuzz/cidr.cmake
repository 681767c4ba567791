# Cidr::parse reads the operator-written "trusted" list of gitgate.toml.
gitgate_fuzzer(cidr_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cidr_fuzz.cc ${PROJECT_SOURCE_DIR}/net/cidr.cc
          ${PROJECT_SOURCE_DIR}/net/socket_address.cc)
gitgate_fuzz_test(cidr_fuzz 15)
