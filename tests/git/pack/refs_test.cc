#include "git/pack/refs.h"

#include <gtest/gtest.h>

#include "git/pack/libgit2.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

class ReadRefs : public testing::GitFixture {};

TEST_F(ReadRefs, MatchesGitLsRemote) {
  make_sample_repository();
  sh("cd src && git symbolic-ref refs/remotes/origin/HEAD refs/heads/side");
  ensure_libgit2();
  git_repository* raw = nullptr;
  ASSERT_EQ(git_repository_open(&raw, (dir_ / "src").c_str()), 0);
  RepositoryPtr repo(raw);
  const auto refs = read_refs(repo.get());
  ASSERT_TRUE(std::holds_alternative<RefSet>(refs));
  const RefSet& set = std::get<RefSet>(refs);
  EXPECT_EQ(set.head_target, "refs/heads/main");
  std::string listed;
  for (const AdvertisedRef& ref : set.refs) {
    listed += to_hex(ref.id) + "\t" + ref.name + "\n";
    if (ref.peeled) {
      listed += to_hex(*ref.peeled) + "\t" + ref.name + "^{}\n";
    }
  }
  EXPECT_EQ(listed, sh("git ls-remote src"));
}

}  // namespace
}  // namespace gitgate::git::detail
