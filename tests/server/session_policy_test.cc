#include "server/session_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace gitgate::server {
namespace {

TEST(ParseGitProtocol, Values) {
  struct Case {
    std::string value;
    int version;
  };
  const std::vector<Case> cases = {
      {"version=2", 2},
      {"version=1", 1},
      {"version=0", 0},
      {"", 0},
      {"version=3", 0},  // unknown versions mean v0, as in git
      {"version=", 0},
      {"version", 0},
      {"version=22", 0},
      {"Version=2", 0},          // keys are case-sensitive
      {"foo=bar:version=2", 2},  // colon-separated parameters
      {"version=2:foo", 2},
      {"version=1:version=2", 2},  // the highest recognized version wins
      {"version=2:version=1", 2},
      {"version=2:version=9", 2},
      {"::version=1::", 1},
      {" version=2", 0},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(parse_git_protocol(c.value), c.version) << "GIT_PROTOCOL=" << c.value;
  }
}

TEST(AcceptedEnv, OnlyGitProtocol) {
  EXPECT_TRUE(is_accepted_env("GIT_PROTOCOL"));
  for (const char* name : {"LANG", "LC_ALL", "git_protocol", "GIT_PROTOCOL ", "", "PATH"}) {
    EXPECT_FALSE(is_accepted_env(name)) << name;
  }
}

TEST(DisplayPath, LeadingSlash) {
  EXPECT_EQ(display_path("/demo/repo.git"), "/demo/repo.git");
  EXPECT_EQ(display_path("demo/repo.git"), "/demo/repo.git");
  EXPECT_EQ(display_path(""), "/");
}

TEST(Messages, EndWithNewlineAndEscapeClientText) {
  const std::vector<std::string> messages = {
      shell_refusal_message("alice"), subsystem_refusal_message("sftp"),
      command_refusal_message("ls -la"), push_refusal_message("alice", "/demo/x.git"),
      repository_refusal_message("/demo/x.git")};
  for (const std::string& message : messages) {
    ASSERT_FALSE(message.empty());
    EXPECT_EQ(message.back(), '\n') << message;
    EXPECT_EQ(message.find('\r'), std::string::npos) << message;
  }
  EXPECT_EQ(command_refusal_message("ls -la"), "gitgate: command not allowed: ls -la\n");
  EXPECT_EQ(command_refusal_message("evil\nline"), "gitgate: command not allowed: evil\\x0aline\n");
  EXPECT_NE(shell_refusal_message("alice").find("hi alice!"), std::string::npos);
  EXPECT_EQ(push_refusal_message("alice", "/demo/r.git"),
            "fatal: alice may not push to demo/r.git\n");
  EXPECT_EQ(push_refusal_message("bob", "r.git"), "fatal: bob may not push to r.git\n");
  EXPECT_EQ(push_refusal_message("eve\n", "/a\rb.git"),
            "fatal: eve\\x0a may not push to a\\x0db.git\n");
}

TEST(Messages, MissingAndForbiddenRepositoriesReadTheSame) {
  EXPECT_EQ(repository_refusal_message("demo/x.git"), repository_refusal_message("/demo/x.git"));
  EXPECT_EQ(repository_refusal_message("/demo/x.git"),
            "fatal: repository '/demo/x.git' does not exist or you do not have access\n");
}

TEST(Messages, LongClientTextIsCut) {
  const std::string message = command_refusal_message(std::string(10000, 'a'));
  EXPECT_LT(message.size(), kMaxShownBytes + 64);
}

// The reader sets load_balancer when the header named a client (tests/proxyproto/reader_test).
proxyproto::ConnectionInfo info_with(bool behind_a_balancer) {
  proxyproto::ConnectionInfo info;
  info.client = *net::SocketAddress::parse_ip("203.0.113.9", 50000);
  info.peer = *net::SocketAddress::parse_ip("10.0.0.5", 41000);
  info.local = *net::SocketAddress::parse_ip("10.0.0.9", 7999);
  if (behind_a_balancer) {
    info.load_balancer = info.peer;
  }
  return info;
}

// A client given a pty has its terminal in raw mode: every line must end "\r\n" there.
TEST(Messages, ForATerminalEveryLineEndsWithCarriageReturnNewline) {
  const struct {
    std::string_view in;
    std::string_view out;
  } cases[] = {
      {"", ""},
      {"one\n", "one\r\n"},
      {"one\ntwo\n", "one\r\ntwo\r\n"},
      {"\n\n", "\r\n\r\n"},
      {"no newline", "no newline"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(for_terminal(c.in), c.out) << c.in;
  }
  const std::string greeting = for_terminal(shell_refusal_message("alice"));
  EXPECT_NE(greeting.find("interactive shells are not provided.\r\n"), std::string::npos);
  EXPECT_TRUE(greeting.ends_with(".git\r\n")) << greeting;
}

TEST(AddressFields, LoadBalancerOnlyBehindAHeaderThatNamedAClient) {
  EXPECT_EQ(address_fields(info_with(true)), "client=203.0.113.9 lb=10.0.0.5");
  EXPECT_EQ(address_fields(info_with(false)), "client=203.0.113.9");
}

}  // namespace
}  // namespace gitgate::server
