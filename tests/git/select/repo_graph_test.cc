#include "git/select/repo_graph.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "git/pack/libgit2.h"
#include "git/protocol/advertisement.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

class RepoGraphTest : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    ensure_libgit2();
    make_sample_repository();
    git_repository* raw = nullptr;
    ASSERT_EQ(git_repository_open(&raw, (dir_ / "src").c_str()), 0);
    repo_.reset(raw);
  }

  std::vector<git_oid> ids(const std::string& command) {
    std::istringstream lines(sh(command));
    std::vector<git_oid> out;
    for (std::string line; std::getline(lines, line);) {
      git_oid id;
      EXPECT_EQ(git_oid_fromstrn(&id, line.data(), 40), 0) << line;
      out.push_back(id);
    }
    return out;
  }

  RepositoryPtr repo_;
};

// The one-walk answer equals the pairwise one (reaches() for every want and common), for
// every want and every pair of commons of the sample history, tags and trees included.
TEST_F(RepoGraphTest, AllReachedAgreesWithPairwiseReaches) {
  auto objects = ids("git -C src rev-list --all");
  for (const std::string& what : {"v1", "nested", "HEAD^{tree}"}) {
    objects.push_back(ids("git -C src rev-parse " + what).front());
  }
  RepoGraph graph(repo_.get());
  size_t reached = 0;
  size_t unreached = 0;
  for (const git_oid& want : objects) {
    for (const git_oid& a : objects) {
      for (const git_oid& b : objects) {
        const std::vector<git_oid> wants = {want, a};
        const std::vector<git_oid> common = {b};
        const bool expected = graph.ObjectGraph::all_reached(wants, common);
        EXPECT_EQ(graph.all_reached(wants, common), expected)
            << to_hex(want) << " " << to_hex(a) << " from " << to_hex(b);
        const std::vector<git_oid> two = {a, b};
        EXPECT_EQ(graph.all_reached({want}, two), graph.ObjectGraph::all_reached({want}, two));
        (expected ? reached : unreached)++;
      }
    }
  }
  EXPECT_GT(reached, 0U);  // both answers occur: the table tests something
  EXPECT_GT(unreached, 0U);
}

// A budget already spent stops the walks: no answer is claimed.
TEST_F(RepoGraphTest, SpentBudgetStopsTheWalks) {
  NegotiationBudget budget(std::chrono::milliseconds(0));
  const NegotiationBudget::Scope scope(budget);
  while (!budget.exceeded()) {
  }
  RepoGraph graph(repo_.get(), &budget);
  const auto head = ids("git -C src rev-parse HEAD");
  const auto root = ids("git -C src rev-list --max-parents=0 HEAD");
  EXPECT_FALSE(graph.all_reached(head, root));
}

}  // namespace
}  // namespace gitgate::git::detail
