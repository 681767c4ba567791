# pkt-line parsing (every packet of the input, and through PktReader in small chunks),
# side-band framing, and the want/capability lines upload-pack parses from clients.
gitgate_fuzzer(pktline_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/pktline_fuzz.cc ${PROJECT_SOURCE_DIR}/git/protocol/pktline.cc
          ${PROJECT_SOURCE_DIR}/git/protocol/negotiation.cc
          ${PROJECT_SOURCE_DIR}/git/pack/libgit2.cc ${PROJECT_SOURCE_DIR}/git/pack/oid.cc
  LIBS fmt::fmt PkgConfig::LIBGIT2)
gitgate_fuzz_test(pktline_fuzz 30)
