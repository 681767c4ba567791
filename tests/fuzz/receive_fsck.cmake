# Object checks of pushed objects (fsck_object): arbitrary bytes as a commit, a tree, a
# tag and a blob body.
gitgate_fuzzer(receive_fsck_fuzz
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/receive_fsck_fuzz.cc ${PROJECT_SOURCE_DIR}/git/receive/fsck.cc
          ${PROJECT_SOURCE_DIR}/git/receive/fsck_tree.cc ${PROJECT_SOURCE_DIR}/git/pack/oid.cc
  LIBS fmt::fmt PkgConfig::LIBGIT2)
gitgate_fuzz_test(receive_fsck_fuzz 20)
