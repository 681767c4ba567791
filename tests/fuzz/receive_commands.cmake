# receive-pack's update request (shallow lines, commands, capabilities on the first,
# flush) and the push options after it, with the default limits and small ones.
gitgate_fuzzer(receive_commands_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/receive_commands_fuzz.cc
          ${PROJECT_SOURCE_DIR}/git/protocol/pktline.cc
          ${PROJECT_SOURCE_DIR}/git/receive/commands.cc
          ${PROJECT_SOURCE_DIR}/git/receive/ref_name.cc
          ${PROJECT_SOURCE_DIR}/git/pack/oid.cc
  LIBS fmt::fmt PkgConfig::LIBGIT2)
gitgate_fuzz_test(receive_commands_fuzz 20)
