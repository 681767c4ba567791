#include "git/select/tree_walk.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "git/pack/libgit2.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

class TreeWalk : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    ensure_libgit2();
    make_sample_repository();
    git_repository* raw = nullptr;
    ASSERT_EQ(git_repository_open(&raw, (dir_ / "src").c_str()), 0);
    repo_.reset(raw);
  }

  // A chain of trees `levels` deep ("d/d/d/.../f"), written with libgit2.
  git_oid nested(size_t levels) {
    git_oid blob;
    EXPECT_EQ(git_blob_create_from_buffer(&blob, repo_.get(), "x", 1), 0);
    git_oid id = blob;
    git_filemode_t mode = GIT_FILEMODE_BLOB;
    for (size_t i = 0; i < levels; ++i) {
      git_treebuilder* builder = nullptr;
      EXPECT_EQ(git_treebuilder_new(&builder, repo_.get(), nullptr), 0);
      EXPECT_EQ(git_treebuilder_insert(nullptr, builder, i == 0 ? "f" : "d", &id, mode), 0);
      EXPECT_EQ(git_treebuilder_write(&id, builder), 0);
      git_treebuilder_free(builder);
      mode = GIT_FILEMODE_TREE;
    }
    return id;
  }

  RepositoryPtr repo_;
};

struct Recorder : TreeVisitor {
  bool enter_tree(const git_oid& /*id*/, const std::string& path, uint64_t depth) override {
    if (!path.empty()) {
      paths.push_back(path.substr(0, path.size() - 1));
    }
    max_depth = std::max(max_depth, depth);
    return true;
  }
  void on_blob(const git_oid& /*id*/, const std::string& path, uint64_t depth) override {
    paths.push_back(path);
    max_depth = std::max(max_depth, depth);
  }
  std::vector<std::string> paths;
  uint64_t max_depth = 0;
};

// The order of a recursive walk, which is git's: `ls-tree -r -t` lists each tree before
// what is under it.
TEST_F(TreeWalk, VisitsInTheOrderOfARecursiveWalk) {
  git_oid root;
  ASSERT_EQ(git_oid_fromstr(&root, sh("git -C src rev-parse HEAD^{tree}").substr(0, 40).c_str()),
            0);
  Recorder recorder;
  ASSERT_EQ(walk_tree(repo_.get(), root, recorder, true), std::nullopt);
  std::istringstream expected_lines(sh("git -C src ls-tree -r -t --name-only HEAD"));
  std::vector<std::string> expected;
  for (std::string line; std::getline(expected_lines, line);) {
    expected.push_back(line);
  }
  EXPECT_EQ(recorder.paths, expected);
}

// git's core.maxTreeDepth: a tree kMaxTreeDepth levels below the root is walked, one
// level more is refused (and nothing recurses: a deep tree cannot overflow the stack).
TEST_F(TreeWalk, DepthCapBelowAtAndAbove) {
  for (const uint64_t levels : {kMaxTreeDepth, kMaxTreeDepth + 1, kMaxTreeDepth + 2}) {
    const git_oid root = nested(levels);  // trees at depths 0 .. levels-1, the blob below
    Recorder recorder;
    const auto error = walk_tree(repo_.get(), root, recorder, false);
    if (levels - 1 <= kMaxTreeDepth) {
      EXPECT_EQ(error, std::nullopt) << levels;
      EXPECT_EQ(recorder.max_depth, levels) << levels;
    } else {
      ASSERT_NE(error, std::nullopt) << levels;
      EXPECT_NE(error->find("nested deeper than 4096 levels"), std::string::npos) << *error;
    }
  }
}

}  // namespace
}  // namespace gitgate::git::detail
