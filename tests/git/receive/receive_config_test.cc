#include "git/receive/receive_config.h"

#include <gtest/gtest.h>

#include "git/pack/libgit2.h"
#include "git/protocol/fetch.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

TEST(ParseDenyAction, GitsWordsAndBooleans) {
  const std::vector<std::pair<std::string, DenyAction>> cases = {
      {"ignore", DenyAction::kIgnore},
      {"IGNORE", DenyAction::kIgnore},
      {"warn", DenyAction::kWarn},
      {"refuse", DenyAction::kRefuse},
      {"updateInstead", DenyAction::kUpdateInstead},
      {"true", DenyAction::kRefuse},
      {"yes", DenyAction::kRefuse},
      {"1", DenyAction::kRefuse},
      {"false", DenyAction::kIgnore},
      {"off", DenyAction::kIgnore},
      {"0", DenyAction::kIgnore},
      {"000", DenyAction::kIgnore},
      {"No", DenyAction::kIgnore},
      {"", DenyAction::kIgnore},
      {"2", DenyAction::kRefuse},
      // git dies on a value that is neither; refusing is the safe reading.
      {"maybe", DenyAction::kRefuse},
  };
  for (const auto& [value, expected] : cases) {
    EXPECT_EQ(parse_deny_action(value), expected) << value;
  }
}

// refs.c ref_is_hidden: the last matching pattern decides, '!' negates, a pattern
// matches the name itself or a name continuing it with '/', '^' names the full name.
TEST(RefIsHidden, LastMatchDecides) {
  struct Case {
    std::vector<std::string> patterns;
    std::string name;
    bool hidden;
  };
  const std::vector<Case> cases = {
      {{}, "refs/heads/main", false},
      {{"refs/pull"}, "refs/pull/1/head", true},
      {{"refs/pull"}, "refs/pull", true},
      {{"refs/pull"}, "refs/pullx/1", false},
      {{"refs/pull"}, "refs/heads/main", false},
      {{"refs/heads/"}, "refs/heads/main", false},  // trailing '/' is removed when read
      {{"refs/heads"}, "refs/heads/main", true},
      {{"refs", "!refs/heads"}, "refs/heads/main", false},
      {{"refs", "!refs/heads"}, "refs/tags/v1", true},
      {{"!refs/heads", "refs"}, "refs/heads/main", true},
      {{"^refs/heads/secret"}, "refs/heads/secret", true},
      {{"!^refs/heads/secret", "refs/heads"}, "refs/heads/secret", true},
      {{"refs/heads", "!^refs/heads/open"}, "refs/heads/open/x", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ref_is_hidden(c.name, c.patterns), c.hidden) << c.name;
  }
}

class ReceiveConfigTest : public testing::GitFixture {
 protected:
  ReceiveConfig read(const std::string& config_commands) {
    sh("rm -rf r && git init -q --bare r");
    if (!config_commands.empty()) {
      sh(config_commands);
    }
    ensure_libgit2();
    auto repo = open_repository(dir_ / "r");
    EXPECT_TRUE(std::holds_alternative<RepositoryPtr>(repo));
    auto config = read_receive_config(std::get<RepositoryPtr>(repo).get());
    EXPECT_TRUE(std::holds_alternative<ReceiveConfig>(config));
    return std::get<ReceiveConfig>(config);
  }
};

TEST_F(ReceiveConfigTest, DefaultsAsGit) {
  const ReceiveConfig config = read("");
  EXPECT_FALSE(config.deny_deletes);
  EXPECT_FALSE(config.deny_non_fast_forwards);
  EXPECT_TRUE(config.auto_gc);
  EXPECT_EQ(config.deny_current_branch, DenyAction::kUnconfigured);
  EXPECT_EQ(config.deny_delete_current, DenyAction::kUnconfigured);
  EXPECT_TRUE(config.hide_refs.empty());
}

TEST_F(ReceiveConfigTest, ReadsEachKey) {
  const ReceiveConfig config = read(
      "git -C r config receive.denyDeletes true && git -C r config receive.denyNonFastForwards "
      "yes && git -C r config receive.autoGc false && git -C r config receive.denyCurrentBranch "
      "warn && git -C r config "
      "receive.denyDeleteCurrent false && git -C r config --add transfer.hideRefs refs/a/ && "
      "git -C r config --add receive.hideRefs '!refs/a/b' && git -C r config --add "
      "transfer.hideRefs refs/c && git -C r config --add uploadpack.hideRefs refs/d");
  EXPECT_TRUE(config.deny_deletes);
  EXPECT_TRUE(config.deny_non_fast_forwards);
  EXPECT_FALSE(config.auto_gc);
  EXPECT_EQ(config.deny_current_branch, DenyAction::kWarn);
  EXPECT_EQ(config.deny_delete_current, DenyAction::kIgnore);
  // transfer's, then receive's (which so decide where both match), trailing '/' removed;
  // uploadpack's are not receive-pack's.
  EXPECT_EQ(config.hide_refs, (std::vector<std::string>{"refs/a", "refs/c", "!refs/a/b"}));
}

TEST_F(ReceiveConfigTest, FsckSeverities) {
  const ReceiveConfig config = read(
      "git -C r config receive.fsck.hasDotgit ignore && git -C r config receive.fsck.badTimezone "
      "WARN && git -C r config receive.fsck.missingEmail error && git -C r config "
      "receive.fsck.badDate ignore && git -C r config --add receive.fsck.badDate error && "
      "git -C r config fsck.badName ignore");
  // error and a later error for the same id keep the check; plain fsck.* is git fsck's.
  EXPECT_EQ(config.fsck_ignored, (std::vector<std::string>{"hasdotgit", "badtimezone"}));
}

TEST_F(ReceiveConfigTest, KeyWithoutValueRefuses) {
  sh("git init -q --bare r && printf '[receive]\\n\\tdenyCurrentBranch\\n' >> r/config");
  ensure_libgit2();
  auto repo = open_repository(dir_ / "r");
  auto config = read_receive_config(std::get<RepositoryPtr>(repo).get());
  ASSERT_TRUE(std::holds_alternative<ReceiveConfig>(config));
  EXPECT_EQ(std::get<ReceiveConfig>(config).deny_current_branch, DenyAction::kRefuse);
}

TEST_F(ReceiveConfigTest, BadBooleanIsAnError) {
  sh("git init -q --bare r && printf '[receive]\\n\\tdenyDeletes = sometimes\\n' >> r/config");
  ensure_libgit2();
  auto repo = open_repository(dir_ / "r");
  auto config = read_receive_config(std::get<RepositoryPtr>(repo).get());
  EXPECT_TRUE(std::holds_alternative<std::string>(config));
}

}  // namespace
}  // namespace gitgate::git::detail
