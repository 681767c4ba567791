# parse_exec_command over arbitrary bytes, plus the sq_quote round trip.
gitgate_fuzzer(exec_command_fuzz SOURCES ${PROJECT_SOURCE_DIR}/tests/fuzz/exec_command_fuzz.cc
               ${PROJECT_SOURCE_DIR}/git/exec_command.cc)
gitgate_fuzz_test(exec_command_fuzz 20)
