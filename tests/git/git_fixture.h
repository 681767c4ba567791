// Repositories built with the real git CLI in a temporary directory, for the tests
// that check upload-pack against git itself.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace gitgate::git::testing {

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command with its output captured (commands come from the tests only).
inline CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return result;
  }
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string quote(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

// A temporary directory with git configured for reproducible commits and no user config.
class GitFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "gitgate-up-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    setenv("HOME", dir_.c_str(), 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    setenv("GIT_AUTHOR_NAME", "Test", 1);
    setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
    setenv("GIT_COMMITTER_NAME", "Test", 1);
    setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
    unsetenv("GIT_PROTOCOL");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs command in the fixture directory; fails the test when it fails.
  std::string sh(const std::string& command) {
    const CommandResult result = run("cd " + quote(dir_) + " && " + command);
    EXPECT_EQ(result.status, 0) << command << "\n" << result.output;
    return result.output;
  }

  // src: three commits on main (files in nested directories), an annotated tag v1 and
  // a lightweight tag, a branch "side", a merge of side into main, and a tag of a tag.
  void make_sample_repository() {
    sh("git init -q -b main src");
    for (int i = 1; i <= 3; ++i) {
      sh(fmt::format(
          "cd src && mkdir -p d/e && echo {0} > f{0} && echo x{0} > d/e/g{0} && git add -A && "
          "git commit -qm c{0}",
          i));
    }
    sh("cd src && git tag -a v1 -m 'tag one' && git tag light HEAD~1");
    sh("cd src && git checkout -qb side HEAD~1 && echo s > s && git add s && git commit -qm side");
    sh("cd src && git checkout -q main && git merge -q --no-edit side");
    sh("cd src && git tag -a nested -m 'tag of a tag' v1");
  }

  std::filesystem::path dir_;
};

}  // namespace gitgate::git::testing
