#include "git/repo_path.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

namespace gitgate::git {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

void make_bare(const fs::path& dir) {
  fs::create_directories(dir / "objects");
  fs::create_directories(dir / "refs" / "heads");
  std::ofstream(dir / "HEAD") << "ref: refs/heads/main\n";
}

// <base>/root is the repositories root; <base>/root2 and <base>/outside lie beside it.
class RepoPathTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "repo_path_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    base_ = tmpl;
    root_ = base_ / "root";
    make_bare(root_ / "demo" / "repo.git");
    make_bare(root_ / "demo" / "noext.git");
    make_bare(root_ / "demo" / "both");
    make_bare(root_ / "demo" / "both.git");
    fs::create_directories(root_ / "demo" / "only");  // not a repository
    make_bare(root_ / "demo" / "only.git");
    make_bare(root_ / "demo" / "work" / ".git");  // a non-bare repository's work tree
    fs::create_directories(root_ / "demo" / "plain.git" / "objects");  // no HEAD, no refs
    std::ofstream(root_ / "demo" / "file.git") << "not a directory\n";
    make_bare(root_ / "demo" / "odd%2e%2e");
    make_bare(root_ / "super.git");
    make_bare(root_ / "super.git" / "modules" / "sub");
    make_bare(root_ / "x" / "caf\xc3\xa9.git");
    make_bare(base_ / "outside" / "ext.git");
    make_bare(base_ / "root2" / "evil.git");
    fs::create_directory_symlink("demo/repo.git", root_ / "alias.git");
    fs::create_directory_symlink("..", root_ / "demo" / "up");
    fs::create_directory_symlink(".", root_ / "rootlink");
    fs::create_directory_symlink("../outside/ext.git", root_ / "escape.git");
    fs::create_directory_symlink(base_ / "outside", root_ / "abs");
    fs::create_directory_symlink("../root2/evil.git", root_ / "sibling.git");
    fs::create_directory_symlink("nowhere.git", root_ / "dangling.git");
    fs::create_directory_symlink("root", base_ / "rootalias");
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_;
  fs::path root_;
};

struct Found {
  std::string requested;
  std::string relative;
};

TEST_F(RepoPathTest, ResolvesRepositoriesUnderTheRoot) {
  const Found cases[] = {
      {"/demo/repo.git", "demo/repo.git"},
      {"demo/repo.git", "demo/repo.git"},
      {"/demo/repo", "demo/repo.git"},
      {"//demo///repo.git/", "demo/repo.git"},
      {"demo/noext", "demo/noext.git"},
      {"demo/both", "demo/both"},  // "<p>" is tried before "<p>.git"
      {"demo/both.git", "demo/both.git"},
      {"demo/only", "demo/only.git"},  // "<p>" exists but is no repository
      {"demo/odd%2e%2e", "demo/odd%2e%2e"},
      {"/super", "super.git"},
      {"x/caf\xc3\xa9", "x/caf\xc3\xa9.git"},
      {"alias.git", "demo/repo.git"},  // a symlink within the root: its target's name
      {"alias", "demo/repo.git"},
      {"demo/up/demo/repo.git", "demo/repo.git"},
      {"rootlink/demo/repo", "demo/repo.git"},
  };
  for (const auto& c : cases) {
    const auto result = resolve_repository(root_, c.requested);
    ASSERT_TRUE(std::holds_alternative<ResolvedRepository>(result))
        << c.requested << ": " << std::get<RepoPathError>(result).reason;
    const auto& repo = std::get<ResolvedRepository>(result);
    EXPECT_EQ(repo.relative, c.relative) << c.requested;
    EXPECT_EQ(repo.display, "/" + c.relative) << c.requested;
    EXPECT_EQ(repo.directory, fs::canonical(root_) / c.relative) << c.requested;
  }
}

TEST_F(RepoPathTest, RootGivenThroughASymlinkOrWithATrailingSlash) {
  for (const fs::path& root : {base_ / "rootalias", fs::path(root_.string() + "/")}) {
    const auto result = resolve_repository(root, "/demo/repo.git");
    ASSERT_TRUE(std::holds_alternative<ResolvedRepository>(result)) << root;
    EXPECT_EQ(std::get<ResolvedRepository>(result).relative, "demo/repo.git");
  }
}

struct Refused {
  std::string requested;
  PathError kind;
  std::string reason;
};

TEST_F(RepoPathTest, RefusesWithKindAndReason) {
  const Refused cases[] = {
      {"", PathError::kInvalid, "missing repository path"},
      {"/", PathError::kInvalid, "missing repository path"},
      {"///", PathError::kInvalid, "missing repository path"},
      {"~alice/repo.git", PathError::kInvalid, "'~user' repository paths are not supported"},
      {"/~alice/repo.git", PathError::kInvalid, "'~user' repository paths are not supported"},
      {"~", PathError::kInvalid, "'~user' repository paths are not supported"},
      {"..", PathError::kInvalid, "repository path must not contain '.' or '..' components"},
      {"/demo/../demo/repo.git", PathError::kInvalid,
       "repository path must not contain '.' or '..' components"},
      {"../outside/ext.git", PathError::kInvalid,
       "repository path must not contain '.' or '..' components"},
      {"./demo/repo.git", PathError::kInvalid,
       "repository path must not contain '.' or '..' components"},
      {"demo/repo.git/.", PathError::kInvalid,
       "repository path must not contain '.' or '..' components"},
      {"demo/work/.git", PathError::kInvalid,
       "repository path must not contain a '.git' component"},
      {"demo\\repo.git", PathError::kInvalid, "repository path must not contain '\\'"},
      {"..\\outside", PathError::kInvalid, "repository path must not contain '\\'"},
      {"demo/repo.git\0/x"s, PathError::kInvalid, "repository path contains a NUL byte"},
      {"demo/repo\n.git", PathError::kInvalid, "repository path contains control characters"},
      {"demo/\x7frepo", PathError::kInvalid, "repository path contains control characters"},
      {std::string(4097, 'a'), PathError::kInvalid, "repository path is longer than 4096 bytes"},
      {"/demo/nope.git", PathError::kNotFound, "repository '/demo/nope.git' does not exist"},
      {"demo/nope", PathError::kNotFound, "repository '/demo/nope' does not exist"},
      {"demo/work", PathError::kNotFound, "repository '/demo/work' does not exist"},
      {"demo/plain.git", PathError::kNotFound, "repository '/demo/plain.git' does not exist"},
      {"demo/file.git", PathError::kNotFound, "repository '/demo/file.git' does not exist"},
      {"demo", PathError::kNotFound, "repository '/demo' does not exist"},
      {"demo/repo.git/objects", PathError::kNotFound,
       "repository '/demo/repo.git/objects' does not exist"},
      {"super.git/modules/sub", PathError::kNotFound,
       "repository '/super.git/modules/sub' does not exist"},
      {"%2e%2e/outside/ext.git", PathError::kNotFound,
       "repository '/%2e%2e/outside/ext.git' does not exist"},
      {"dangling.git", PathError::kNotFound, "repository '/dangling.git' does not exist"},
      {"escape.git", PathError::kOutsideRoot, "repository '/escape.git' does not exist"},
      {"escape", PathError::kOutsideRoot, "repository '/escape' does not exist"},
      {"abs/ext.git", PathError::kOutsideRoot, "repository '/abs/ext.git' does not exist"},
      {"sibling.git", PathError::kOutsideRoot, "repository '/sibling.git' does not exist"},
      {"demo/up/../root2/evil.git", PathError::kInvalid,
       "repository path must not contain '.' or '..' components"},
      {"rootlink", PathError::kOutsideRoot, "repository '/rootlink' does not exist"},
  };
  for (const auto& c : cases) {
    const auto result = resolve_repository(root_, c.requested);
    ASSERT_TRUE(std::holds_alternative<RepoPathError>(result))
        << c.requested << " resolved to " << std::get<ResolvedRepository>(result).directory;
    const auto& error = std::get<RepoPathError>(result);
    EXPECT_EQ(error.kind, c.kind) << c.requested;
    EXPECT_EQ(error.reason, c.reason) << c.requested;
  }
}

TEST_F(RepoPathTest, MissingRootIsNotFound) {
  const auto result = resolve_repository(base_ / "no-such-root", "demo/repo.git");
  ASSERT_TRUE(std::holds_alternative<RepoPathError>(result));
  EXPECT_EQ(std::get<RepoPathError>(result).kind, PathError::kNotFound);
}

}  // namespace
}  // namespace gitgate::git
