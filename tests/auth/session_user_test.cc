// auth/session_user.cc: one decision of who may read or write a repository, whichever source
// vouched for the user. The host's API is faked here (its transport is host_api_test's).
#include "auth/session_user.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/auth/test_keys.h"

namespace gitgate::auth {
namespace {

// Records every question and answers with the reply it was given.
class FakeHost : public HostDirectory {
 public:
  explicit FakeHost(AccessReply reply) : reply_(std::move(reply)) {}
  KeyLookup lookup_key(const KeyQuery& /*query*/) override { return UnknownKey{}; }
  KeyLookup lookup_principal(const PrincipalQuery& /*query*/) override { return UnknownKey{}; }
  AccessReply allowed(const AccessQuery& query) override {
    asked.push_back(query);
    return reply_;
  }
  std::vector<AccessQuery> asked;

 private:
  AccessReply reply_;
};

std::shared_ptr<const UserDb> users_file() {
  const std::string text = std::string("[[user]]\nname = \"alice\"\nid = 2\nkeys = [\"") +
                           std::string(testing::kAliceEd25519.line) +
                           "\"]\nread = [\"demo/*\"]\nwrite = [\"demo/mine.git\"]\n";
  return std::make_shared<const UserDb>(std::get<UserDb>(UserDb::parse(text)));
}

TEST(DecideAccess, UsersFileUsersByTheirGlobsWithoutAskingTheHost) {
  const auto users = users_file();
  const SessionUser alice = SessionUser::from_file(users, users->users().at(0));
  EXPECT_EQ(alice.source, SessionUser::Source::kUsersFile);
  EXPECT_EQ(alice.identity.name, "alice");
  EXPECT_EQ(alice.identity.id, 2);
  FakeHost host(Refused{"never asked"});
  const struct {
    std::string repository;
    Action action;
    const char* expected;  // "granted", or the denial: "<may_read> <reason>"
  } cases[] = {
      {"demo/repo.git", Action::kRead, "granted"},
      {"demo/mine.git", Action::kWrite, "granted"},
      {"demo/repo.git", Action::kWrite, "1 alice may not push to it"},
      {"other/repo.git", Action::kRead, "0 alice may not read it"},
      {"other/repo.git", Action::kWrite, "0 alice may not read it"},
  };
  for (const auto& c : cases) {
    const AccessDecision decision = decide_access(alice, &host, c.repository, c.action, "x");
    std::string got = "granted";
    if (const auto* denied = std::get_if<AccessDenied>(&decision)) {
      EXPECT_EQ(denied->host_message, "");
      got = std::to_string(static_cast<int>(denied->may_read)) + " " + denied->reason;
    } else {
      EXPECT_TRUE(std::holds_alternative<AccessGranted>(decision)) << c.repository;
    }
    EXPECT_EQ(got, c.expected) << c.repository << " " << action_name(c.action);
  }
  EXPECT_TRUE(host.asked.empty());
}

TEST(DecideAccess, HostApiUsersAskTheHostEveryTime) {
  const SessionUser erin = SessionUser::from_api(ApiUser{"erin", 1001});
  EXPECT_EQ(erin.source, SessionUser::Source::kHostApi);
  EXPECT_EQ(erin.entry, nullptr);
  EXPECT_EQ(erin.key_id, "");

  FakeHost allowing(Allowed{});
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(std::holds_alternative<AccessGranted>(
        decide_access(erin, &allowing, "demo/repo.git", Action::kWrite, "203.0.113.9")));
  }
  ASSERT_EQ(allowing.asked.size(), 2U);
  const AccessQuery& query = allowing.asked[0];
  EXPECT_EQ(query.user_id, 1001);
  EXPECT_EQ(query.user_name, "erin");
  EXPECT_EQ(query.repository, "demo/repo.git");
  EXPECT_EQ(query.action, Action::kWrite);
  EXPECT_EQ(query.client_address, "203.0.113.9");

  FakeHost refusing(Refused{"IP 203.0.113.9 is not on the allowlist"});
  const AccessDecision refused =
      decide_access(erin, &refusing, "demo/repo.git", Action::kRead, "203.0.113.9");
  ASSERT_TRUE(std::holds_alternative<AccessDenied>(refused));
  EXPECT_EQ(std::get<AccessDenied>(refused).host_message, "IP 203.0.113.9 is not on the allowlist");
  EXPECT_NE(std::get<AccessDenied>(refused).reason.find("refused to let erin read it"),
            std::string::npos);

  FakeHost down(ApiFailure{ApiFailure::Kind::kTimeout, "no reply within 2000 ms"});
  const AccessDecision unknown =
      decide_access(erin, &down, "demo/repo.git", Action::kRead, "203.0.113.9");
  ASSERT_TRUE(std::holds_alternative<AccessUnknown>(unknown));
  EXPECT_EQ(std::get<AccessUnknown>(unknown).failure.describe(),
            "timeout: no reply within 2000 ms");

  EXPECT_TRUE(std::holds_alternative<AccessUnknown>(
      decide_access(erin, nullptr, "demo/repo.git", Action::kRead, "x")));
}

}  // namespace
}  // namespace gitgate::auth
