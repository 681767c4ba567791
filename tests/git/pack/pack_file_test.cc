// Packs checked as they stream (PackChecker) and files read through a descriptor: a pack
// written by git passes in any split; every shorter prefix, an altered byte, a byte more
// and a wrong header fail.
#include "git/pack/pack_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

class PackFileTest : public testing::GitFixture {
 protected:
  // Writes bytes to a file and returns a descriptor for it (closed by TearDown).
  int file_with(const std::vector<uint8_t>& bytes) {
    const auto path = dir_ / ("f" + std::to_string(fds_.size()));
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    fds_.push_back(fd);
    return fd;
  }
  void TearDown() override {
    for (const int fd : fds_) {
      ::close(fd);
    }
    GitFixture::TearDown();
  }
  std::vector<int> fds_;
};

TEST_F(PackFileTest, OnlyAWholePackPasses) {
  make_sample_repository();
  sh("cd src && git repack -adq");
  const std::string path = sh("ls src/.git/objects/pack/*.pack");
  std::ifstream in(dir_ / path.substr(0, path.size() - 1), std::ios::binary);
  const std::vector<uint8_t> pack((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  ASSERT_GT(pack.size(), 32U);
  EXPECT_TRUE(has_pack_header(file_with(pack), pack.size()));
  // Fed in two pieces split anywhere, or a byte at a time.
  const auto complete = [](std::span<const uint8_t> bytes, size_t split) {
    PackChecker checker;
    checker.feed(bytes.subspan(0, split));
    checker.feed(bytes.subspan(split));
    return checker.complete();
  };
  for (size_t split = 0; split <= pack.size(); ++split) {
    EXPECT_TRUE(complete(pack, split)) << "split at " << split;
  }
  PackChecker bytewise;
  for (const uint8_t byte : pack) {
    bytewise.feed({&byte, 1});
  }
  EXPECT_TRUE(bytewise.complete());
  for (size_t cut = 0; cut < pack.size(); ++cut) {
    const std::span<const uint8_t> prefix(pack.data(), cut);
    EXPECT_FALSE(complete(prefix, cut / 2)) << "cut at " << cut;
  }
  for (const size_t at : {size_t{0}, size_t{7}, size_t{20}, pack.size() / 2, pack.size() - 1}) {
    std::vector<uint8_t> altered = pack;
    altered[at] ^= 0x01;
    EXPECT_FALSE(complete(altered, at)) << "byte " << at;
  }
  // A byte after the trailer: the last 20 bytes are no longer the trailer.
  std::vector<uint8_t> longer = pack;
  longer.push_back(0);
  EXPECT_FALSE(complete(longer, pack.size()));
  std::vector<uint8_t> not_a_pack = pack;
  not_a_pack[3] = 'X';
  EXPECT_FALSE(has_pack_header(file_with(not_a_pack), not_a_pack.size()));
  EXPECT_FALSE(has_pack_header(file_with({pack.begin(), pack.begin() + 31}), 31));
}

TEST_F(PackFileTest, ReadAtAndWriteAll) {
  const int fd = file_with({});
  const auto path = dir_ / "f0";
  const int out = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(out, 0);
  fds_.push_back(out);
  ASSERT_TRUE(write_all(out, "PACK and more"));
  uint8_t buffer[4] = {};
  ASSERT_TRUE(read_at(fd, buffer, sizeof buffer, 9));
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), sizeof buffer), "more");
  EXPECT_FALSE(read_at(fd, buffer, sizeof buffer, 10)) << "past the end";
}

// What open_owned() refuses, each with its own error: the pack cache serves only files that
// are its own, wherever a name in its directory points.
TEST_F(PackFileTest, OpenOwnedOpensOnlyOurOwnRegularFiles) {
  const auto path = dir_ / "own";
  std::ofstream(path) << "PACK";
  std::filesystem::create_symlink(path, dir_ / "link");
  ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  struct Case {
    std::string name;
    std::errc expected;
  };
  for (const Case& c : {Case{"link", std::errc::too_many_symbolic_link_levels},
                        Case{"fifo", std::errc::invalid_argument},  // and no blocking open
                        Case{"missing", std::errc::no_such_file_or_directory}}) {
    const auto opened = open_owned(dir_ / c.name, O_RDONLY);
    ASSERT_TRUE(std::holds_alternative<std::error_code>(opened)) << c.name;
    EXPECT_EQ(std::get<std::error_code>(opened), std::make_error_code(c.expected)) << c.name;
  }
  auto opened = open_owned(path, O_RDONLY);
  ASSERT_TRUE(std::holds_alternative<OwnedFile>(opened));
  const OwnedFile file = std::get<OwnedFile>(opened);
  EXPECT_EQ(file.st.st_size, 4);
  EXPECT_EQ(::fcntl(file.fd, F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(::fcntl(file.fd, F_GETFD) & FD_CLOEXEC, 0);
  ::close(file.fd);
}

TEST_F(PackFileTest, OpenOwnedRefusesAnotherUsersFile) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to give a file to another user";
  }
  const auto path = dir_ / "theirs";
  std::ofstream(path) << "PACK";
  ASSERT_EQ(::chown(path.c_str(), 4242, 4242), 0);
  const auto opened = open_owned(path, O_RDONLY);
  ASSERT_TRUE(std::holds_alternative<std::error_code>(opened));
  EXPECT_EQ(std::get<std::error_code>(opened), std::errc::operation_not_permitted);
}

TEST_F(PackFileTest, OpenOwnedCreatesWithTheGivenMode) {
  const mode_t old_umask = ::umask(0);
  auto opened = open_owned(dir_ / "new", O_RDWR | O_CREAT | O_EXCL, 0600);
  ::umask(old_umask);
  ASSERT_TRUE(std::holds_alternative<OwnedFile>(opened));
  EXPECT_EQ(std::get<OwnedFile>(opened).st.st_mode & 0777, 0600U);
  ::close(std::get<OwnedFile>(opened).fd);
}

}  // namespace
}  // namespace gitgate::git::detail
