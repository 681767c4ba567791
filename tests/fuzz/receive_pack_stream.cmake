# The pushed-pack framing reader (receive-pack reads a client's pack through it before a
# byte reaches the disk): fed whole and in chunks, it must give the same answer.
gitgate_fuzzer(receive_pack_stream_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/receive_pack_stream_fuzz.cc
          ${PROJECT_SOURCE_DIR}/git/receive/pack_stream.cc
          ${PROJECT_SOURCE_DIR}/git/pack/pack_entry.cc ${PROJECT_SOURCE_DIR}/git/pack/digest.cc
  LIBS fmt::fmt ZLIB::ZLIB OpenSSL::Crypto)
gitgate_fuzz_test(receive_pack_stream_fuzz 20)
