// The pack cache's directory: 0700 and ours, or refused; one process at a time, and the
// second one told which directory and which pid.
#include "git/cache/cache_directory.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <variant>

namespace gitgate::git::detail {
namespace {

namespace fs = std::filesystem;

class CacheDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "gitgate-cd-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    cache_ = dir_ / "cache";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static mode_t mode_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }
  static std::optional<CacheDirectoryError> error_of(
      const std::variant<CacheDirectoryLock, CacheDirectoryError>& claimed) {
    if (const auto* error = std::get_if<CacheDirectoryError>(&claimed)) {
      return *error;
    }
    return std::nullopt;
  }

  fs::path dir_;
  fs::path cache_;
};

TEST_F(CacheDirectoryTest, CreatesTheDirectory0700WithALockFile0600) {
  const mode_t old_umask = ::umask(022);
  const auto claimed = claim_cache_directory(cache_ / "nested");
  ::umask(old_umask);
  ASSERT_FALSE(error_of(claimed)) << error_of(claimed)->message;
  EXPECT_EQ(mode_of(cache_ / "nested"), 0700U);
  EXPECT_EQ(mode_of(cache_ / "nested" / kLockFileName), 0600U);
  std::ifstream pid_file(cache_ / "nested" / kLockFileName);
  long pid = 0;
  pid_file >> pid;
  EXPECT_EQ(pid, ::getpid());
}

TEST_F(CacheDirectoryTest, AnExistingDirectoryOfOursIsBroughtTo0700) {
  fs::create_directory(cache_);
  ASSERT_EQ(::chmod(cache_.c_str(), 0755), 0);
  const auto claimed = claim_cache_directory(cache_);
  ASSERT_FALSE(error_of(claimed));
  EXPECT_EQ(mode_of(cache_), 0700U);
}

TEST_F(CacheDirectoryTest, AnotherUsersDirectoryIsRefused) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to give a directory to another user";
  }
  fs::create_directory(cache_);
  ASSERT_EQ(::chown(cache_.c_str(), 4242, 4242), 0);
  const auto error = error_of(claim_cache_directory(cache_));
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->in_use);
  EXPECT_NE(error->message.find(cache_.string() + " is owned by uid 4242"), std::string::npos)
      << error->message;
}

TEST_F(CacheDirectoryTest, ASymlinkedLockFileIsRefused) {
  fs::create_directory(cache_);
  std::ofstream(dir_ / "elsewhere") << "x";
  fs::create_symlink(dir_ / "elsewhere", cache_ / kLockFileName);
  const auto error = error_of(claim_cache_directory(cache_));
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->in_use);
  EXPECT_NE(error->message.find("lock file"), std::string::npos) << error->message;
}

TEST_F(CacheDirectoryTest, ASecondClaimInTheProcessIsRefusedUntilTheFirstEnds) {
  {
    const auto first = claim_cache_directory(cache_);
    ASSERT_FALSE(error_of(first));
    const auto second = error_of(claim_cache_directory(cache_));
    ASSERT_TRUE(second);
    EXPECT_TRUE(second->in_use);
    EXPECT_NE(second->message.find("pack cache directory " + cache_.string() +
                                   " is in use by another gitgate (pid " +
                                   std::to_string(::getpid()) + " holds"),
              std::string::npos)
        << second->message;
  }
  EXPECT_FALSE(error_of(claim_cache_directory(cache_)));
}

// The case that matters: another process (a second gitgate) holds the directory.
TEST_F(CacheDirectoryTest, AnotherProcessHoldingTheLockIsNamedByPid) {
  int ready[2];
  int release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(10);          // a child that is never released does not outlive the test
    ::close(release[1]);  // else the child's own copy keeps its read below from ending
    const auto claimed = claim_cache_directory(cache_);
    const char ok = std::holds_alternative<CacheDirectoryLock>(claimed) ? 'y' : 'n';
    (void)!::write(ready[1], &ok, 1);
    char byte = 0;
    (void)!::read(release[0], &byte, 1);  // holds the lock until the parent has checked
    ::_exit(0);
  }
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  const auto error = error_of(claim_cache_directory(cache_));
  ::close(release[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  for (const int fd : {ready[0], ready[1], release[0]}) {
    ::close(fd);
  }
  ASSERT_EQ(ok, 'y');
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->in_use);
  EXPECT_NE(error->message.find("(pid " + std::to_string(child) + " holds"), std::string::npos)
      << error->message;
  EXPECT_FALSE(error_of(claim_cache_directory(cache_)));  // the child exited: free again
}

}  // namespace
}  // namespace gitgate::git::detail
