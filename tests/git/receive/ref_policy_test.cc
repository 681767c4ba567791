#include "git/receive/ref_policy.h"

#include <gtest/gtest.h>

#include "git/pack/libgit2.h"
#include "git/pack/oid.h"
#include "git/protocol/fetch.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

class RefPolicy : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    make_sample_repository();
    ensure_libgit2();
  }

  git_oid rev(const std::string& what) {
    git_oid id{};
    EXPECT_TRUE(parse_oid(sh("git -C src rev-parse " + what).substr(0, 40), id)) << what;
    return id;
  }

  // The reasons apply_ref_policy gives commands in src (a repository with a work tree
  // unless bare), with config; "" for a command that may go ahead.
  std::vector<std::string> reasons(std::vector<RefCommand> commands, const ReceiveConfig& config,
                                   bool bare = false,
                                   std::vector<std::string>* messages = nullptr) {
    auto opened = open_repository(dir_ / "src");
    RepositoryPtr repo = std::move(std::get<RepositoryPtr>(opened));
    std::vector<PushCommand> pushed;
    pushed.reserve(commands.size());
    for (RefCommand& c : commands) {
      pushed.push_back({std::move(c), {}});
    }
    PolicyContext context{repo.get(), &config, "refs/heads/main", bare};
    auto lines = apply_ref_policy(pushed, context);
    if (messages != nullptr) {
      *messages = std::move(lines);
    }
    std::vector<std::string> out;
    out.reserve(pushed.size());
    for (const PushCommand& c : pushed) {
      out.push_back(c.error);
    }
    return out;
  }

  static git_oid zero() { return git_oid{}; }
};

TEST_F(RefPolicy, DefaultsTakeOrdinaryPushes) {
  const ReceiveConfig config;
  EXPECT_EQ(reasons({{rev("side"), rev("main"), "refs/heads/side"},
                     {zero(), rev("main"), "refs/heads/new"},
                     {rev("light"), zero(), "refs/tags/light"},
                     {rev("main"), rev("side"), "refs/heads/other"}},
                    config, true),
            (std::vector<std::string>{"", "", "", ""}));
}

TEST_F(RefPolicy, FunnyNamesAndHiddenRefs) {
  ReceiveConfig config;
  config.hide_refs = {"refs/pull"};
  std::vector<std::string> messages;
  EXPECT_EQ(reasons({{zero(), rev("main"), "refs/heads/a..b"},
                     {zero(), rev("main"), "HEAD"},
                     {zero(), rev("main"), "refs/pull/1/head"},
                     {rev("main"), zero(), "refs/pull/2/head"}},
                    config, true, &messages),
            (std::vector<std::string>{"funny refname", "funny refname",
                                      "deny updating a hidden ref", "deny deleting a hidden ref"}));
  EXPECT_EQ(messages.front(), "error: refusing to update funny ref 'refs/heads/a..b' remotely");
}

// receive.denyCurrentBranch applies to a repository with a work tree only; refuse is the
// default, warn and ignore let the push through.
TEST_F(RefPolicy, DenyCurrentBranch) {
  const std::vector<RefCommand> update = {{rev("main"), rev("side"), "refs/heads/main"}};
  ReceiveConfig config;
  EXPECT_EQ(reasons(update, config), (std::vector<std::string>{"branch is currently checked out"}));
  EXPECT_EQ(reasons(update, config, true), (std::vector<std::string>{""}));
  config.deny_current_branch = DenyAction::kUpdateInstead;  // no work tree is written here
  EXPECT_EQ(reasons(update, config), (std::vector<std::string>{"branch is currently checked out"}));
  config.deny_current_branch = DenyAction::kWarn;
  std::vector<std::string> messages;
  EXPECT_EQ(reasons(update, config, false, &messages), (std::vector<std::string>{""}));
  EXPECT_EQ(messages, (std::vector<std::string>{"warning: updating the current branch"}));
  config.deny_current_branch = DenyAction::kIgnore;
  EXPECT_EQ(reasons(update, config), (std::vector<std::string>{""}));
}

TEST_F(RefPolicy, DenyDeletesAndDeleteCurrent) {
  const std::vector<RefCommand> deletes = {{rev("main"), zero(), "refs/heads/main"},
                                           {rev("side"), zero(), "refs/heads/side"},
                                           {rev("light"), zero(), "refs/tags/light"}};
  ReceiveConfig config;
  EXPECT_EQ(reasons(deletes, config, true),
            (std::vector<std::string>{"deletion of the current branch prohibited", "", ""}));
  config.deny_delete_current = DenyAction::kIgnore;
  EXPECT_EQ(reasons(deletes, config, true), (std::vector<std::string>{"", "", ""}));
  // denyDeletes holds branches only (git: refs/heads/), tags may still go.
  config.deny_deletes = true;
  EXPECT_EQ(reasons(deletes, config, true),
            (std::vector<std::string>{"deletion prohibited", "deletion prohibited", ""}));
}

TEST_F(RefPolicy, DenyNonFastForwards) {
  ReceiveConfig config;
  config.deny_non_fast_forwards = true;
  std::vector<std::string> messages;
  EXPECT_EQ(
      reasons({{rev("main~1"), rev("main"), "refs/heads/a"},    // forward
               {rev("main"), rev("main~1"), "refs/heads/b"},    // backward
               {rev("side"), rev("main~2"), "refs/heads/c"},    // sideways
               {rev("main"), rev("main"), "refs/heads/d"},      // same
               {rev("main"), rev("main~1"), "refs/tags/t"},     // not a branch
               {rev("v1"), rev("main"), "refs/heads/tagged"}},  // old is a tag
              config, true, &messages),
      (std::vector<std::string>{"", "non-fast-forward", "non-fast-forward", "", "", "bad ref"}));
  EXPECT_EQ(messages.front(),
            "error: denying non-fast-forward refs/heads/b (you should pull first)");
}

TEST_F(RefPolicy, RefusedCommandsKeepTheirReason) {
  auto opened = open_repository(dir_ / "src");
  RepositoryPtr repo = std::move(std::get<RepositoryPtr>(opened));
  const ReceiveConfig config;
  std::vector<PushCommand> commands = {{{zero(), rev("main"), "refs/heads/a..b"}, {}}};
  commands[0].refuse("missing necessary objects");
  apply_ref_policy(commands, {repo.get(), &config, "", true});
  EXPECT_EQ(commands[0].error, "missing necessary objects");
}

}  // namespace
}  // namespace gitgate::git::detail
