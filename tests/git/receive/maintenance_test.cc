#include "git/receive/maintenance.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

using std::chrono::milliseconds;

class Maintenance : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    // Stands in for git: records how it was run, then waits until the test releases it.
    // Each record is written aside and renamed, so that it appears whole (a loaded machine
    // may read a file between its creation and its first write).
    sh("printf '%s\\n' '#!/bin/sh' 'echo \"$@\" > \"$2/args.tmp\"' 'nice > \"$2/nice.tmp\"' "
       "'env > \"$2/env.tmp\"' 'ls /proc/$$/fd > \"$2/fds.tmp\"' "
       "'for f in args nice env fds; do mv \"$2/$f.tmp\" \"$2/$f\"; done' "
       "'while [ ! -e \"$2/release\" ]; do sleep 0.01; done' > fake-git && chmod +x fake-git");
    set_maintenance_program((dir_ / "fake-git").string());
    sh("mkdir a b");
  }
  void TearDown() override {
    sh("touch a/release b/release");
    EXPECT_TRUE(wait_for_maintenance(milliseconds(10000)));
    set_maintenance_program("git");
    GitFixture::TearDown();
  }

  // Waits for the fake to have written file (it runs in the background).
  std::string await(const std::filesystem::path& file) {
    for (int i = 0; i < 1000 && !std::filesystem::exists(file); ++i) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
};

TEST_F(Maintenance, OneAtATimePerRepositoryInTheBackground) {
  ASSERT_TRUE(start_auto_maintenance(dir_ / "a"));
  EXPECT_FALSE(start_auto_maintenance(dir_ / "a")) << "one already runs for a";
  EXPECT_TRUE(start_auto_maintenance(dir_ / "b")) << "another repository is not held back";
  EXPECT_EQ(await(dir_ / "a/args"),
            "-C " + (dir_ / "a").string() + " maintenance run --auto --quiet\n");
  EXPECT_FALSE(wait_for_maintenance(milliseconds(50))) << "still running: the caller did not wait";
  sh("touch a/release b/release");
  EXPECT_TRUE(wait_for_maintenance(milliseconds(10000)));
  EXPECT_TRUE(start_auto_maintenance(dir_ / "a")) << "the slot is free again once reaped";
}

TEST_F(Maintenance, NicedWithoutOurDescriptorsOrGitEnvironment) {
  const int fd = ::open("/dev/null", O_RDONLY);  // without O_CLOEXEC, as a leak would be
  ASSERT_GE(fd, 3);
  setenv("GIT_DIR", "/somewhere/else", 1);
  ASSERT_TRUE(start_auto_maintenance(dir_ / "a"));
  unsetenv("GIT_DIR");
  EXPECT_EQ(await(dir_ / "a/nice"), "10\n");
  EXPECT_EQ(await(dir_ / "a/env").find("GIT_DIR="), std::string::npos);
  const std::string fds = await(dir_ / "a/fds");
  EXPECT_EQ(fds.find("\n" + std::to_string(fd) + "\n"), std::string::npos) << fds;
  ::close(fd);
}

TEST_F(Maintenance, MissingProgramIsRefusedAndFreesTheSlot) {
  set_maintenance_program("gitgate-no-such-program");
  EXPECT_FALSE(start_auto_maintenance(dir_ / "a"));
  set_maintenance_program((dir_ / "fake-git").string());
  EXPECT_TRUE(start_auto_maintenance(dir_ / "a"));
}

}  // namespace
}  // namespace gitgate::git::detail
