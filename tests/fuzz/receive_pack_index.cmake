# gitgate's own pack indexer over arbitrary bytes: the scan of a pack's entries, delta
# application and resolution, and the .idx written from them.
gitgate_fuzzer(receive_pack_index_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/receive_pack_index_fuzz.cc
          ${PROJECT_SOURCE_DIR}/git/receive/detail/pack_scan.cc
          ${PROJECT_SOURCE_DIR}/git/receive/detail/resolve.cc
          ${PROJECT_SOURCE_DIR}/git/receive/detail/delta.cc
          ${PROJECT_SOURCE_DIR}/git/receive/detail/object_codec.cc
          ${PROJECT_SOURCE_DIR}/git/receive/detail/idx_writer.cc
          ${PROJECT_SOURCE_DIR}/git/receive/detail/rev_index.cc
          ${PROJECT_SOURCE_DIR}/git/receive/detail/atomic_file.cc
          ${PROJECT_SOURCE_DIR}/git/pack/pack_entry.cc ${PROJECT_SOURCE_DIR}/git/pack/pack_index.cc
          ${PROJECT_SOURCE_DIR}/git/pack/digest.cc ${PROJECT_SOURCE_DIR}/git/pack/libgit2.cc
  LIBS fmt::fmt ZLIB::ZLIB OpenSSL::Crypto PkgConfig::LIBGIT2)
gitgate_fuzz_test(receive_pack_index_fuzz 20)
