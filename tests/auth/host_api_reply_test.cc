// auth/detail/host_api_reply.cc: the host API's replies, from status and body to a value; the
// request bodies; the token file; the refusal message as one line.
#include "auth/detail/host_api_reply.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace gitgate::auth::detail {
namespace {

using Kind = ApiFailure::Kind;

// "user erin 1001", "unknown", "failure <kind number> <detail>": one string per outcome, so
// that a table can say what it expects.
std::string outcome(const KeyLookup& lookup) {
  if (const auto* user = std::get_if<ApiUser>(&lookup)) {
    return "user " + user->name + " " + std::to_string(user->id);
  }
  if (std::holds_alternative<UnknownKey>(lookup)) {
    return "unknown";
  }
  const auto& failure = std::get<ApiFailure>(lookup);
  return "failure " + std::to_string(static_cast<int>(failure.kind)) + " " + failure.detail;
}

std::string outcome(const AccessReply& reply) {
  if (std::holds_alternative<Allowed>(reply)) {
    return "allowed";
  }
  if (const auto* refused = std::get_if<Refused>(&reply)) {
    return "refused [" + refused->message + "]";
  }
  const auto& failure = std::get<ApiFailure>(reply);
  return "failure " + std::to_string(static_cast<int>(failure.kind)) + " " + failure.detail;
}

std::string failure_prefix(Kind kind) {
  return "failure " + std::to_string(static_cast<int>(kind)) + " ";
}

struct Case {
  std::string_view name;
  long status;
  std::string body;
  std::string expected;  // the outcome, or its start for failures
};

// The transport hands the body over in chunks of any size: every split of it into two
// collects to the same bytes, and parses to the same value.
template <typename Parse>
void expect_every_split(const Case& c, Parse parse) {
  for (size_t split = 0; split <= c.body.size(); ++split) {
    std::string body;
    ASSERT_TRUE(append_reply_chunk(body, std::string_view(c.body).substr(0, split)));
    ASSERT_TRUE(append_reply_chunk(body, std::string_view(c.body).substr(split)));
    const std::string got = outcome(parse(c.status, body));
    EXPECT_EQ(got.substr(0, c.expected.size()), c.expected) << c.name << " split " << split;
  }
}

TEST(HostApiReply, KeyReplies) {
  const std::vector<Case> cases = {
      {"found", 200, R"({"user": {"name": "erin", "id": 1001}})", "user erin 1001"},
      {"members added later are ignored", 200,
       R"({"user": {"name": "erin", "id": 0, "email": "e@x"}, "v": 2})", "user erin 0"},
      {"id 2^63-1", 200, R"({"user": {"name": "a", "id": 9223372036854775807}})",
       "user a 9223372036854775807"},
      {"not found", 404, "", "unknown"},
      {"not found, any body", 404, "<html>nope</html>", "unknown"},
      {"token refused", 401, "{}", failure_prefix(Kind::kUnauthorized) + "HTTP 401"},
      {"token lacks the right", 403, "", failure_prefix(Kind::kUnauthorized) + "HTTP 403"},
      {"server error", 500, R"({"user": {"name": "erin", "id": 1}})",
       failure_prefix(Kind::kServerError) + "HTTP 500"},
      {"bad gateway", 502, "", failure_prefix(Kind::kServerError) + "HTTP 502"},
      {"a redirect", 302, "", failure_prefix(Kind::kUnexpected) + "unexpected HTTP 302"},
      {"no content", 204, "", failure_prefix(Kind::kUnexpected) + "unexpected HTTP 204"},
      {"empty body", 200, "", failure_prefix(Kind::kMalformed) + "the body is not"},
      {"not JSON", 200, "user=erin", failure_prefix(Kind::kMalformed) + "the body is not"},
      {"truncated", 200, R"({"user": {"name": "erin", "id": 10)",
       failure_prefix(Kind::kMalformed) + "the body is not"},
      {"an array", 200, R"([{"user": {}}])", failure_prefix(Kind::kMalformed) + "the body is"},
      {"no user", 200, R"({"name": "erin", "id": 1})",
       failure_prefix(Kind::kMalformed) + "'user' is missing"},
      {"user null", 200, R"({"user": null})", failure_prefix(Kind::kMalformed) + "'user' is"},
      {"no name", 200, R"({"user": {"id": 1}})", failure_prefix(Kind::kMalformed) + "'user.name'"},
      {"name a number", 200, R"({"user": {"name": 7, "id": 1}})",
       failure_prefix(Kind::kMalformed) + "'user.name' is missing or not a string"},
      {"no id", 200, R"({"user": {"name": "erin"}})",
       failure_prefix(Kind::kMalformed) + "'user.id' is missing"},
      {"id a string", 200, R"({"user": {"name": "erin", "id": "1"}})",
       failure_prefix(Kind::kMalformed) + "'user.id' is missing or not an integer"},
      {"id a fraction", 200, R"({"user": {"name": "erin", "id": 1.0}})",
       failure_prefix(Kind::kMalformed) + "'user.id' is missing or not an integer"},
      {"id negative", 200, R"({"user": {"name": "erin", "id": -1}})",
       failure_prefix(Kind::kMalformed) + "'user.id' is not within"},
      {"id over int64", 200, R"({"user": {"name": "erin", "id": 9223372036854775808}})",
       failure_prefix(Kind::kMalformed) + "'user.id' is not within"},
      {"name with a space", 200, R"({"user": {"name": "erin x", "id": 1}})",
       failure_prefix(Kind::kMalformed) + "'user.name': user name 'erin x' may hold only"},
      {"name with a newline", 200, R"({"user": {"name": "erin\n", "id": 1}})",
       failure_prefix(Kind::kMalformed) + "'user.name'"},
      {"name '-'", 200, R"({"user": {"name": "-", "id": 1}})",
       failure_prefix(Kind::kMalformed) + "'user.name'"},
      {"name empty", 200, R"({"user": {"name": "", "id": 1}})",
       failure_prefix(Kind::kMalformed) + "'user.name': user name is empty"},
      {"not UTF-8", 200, "{\"user\": {\"name\": \"\xff\", \"id\": 1}}",
       failure_prefix(Kind::kMalformed) + "the body is not"},
  };
  for (const Case& c : cases) {
    expect_every_split(c, parse_key_reply);
  }
}

TEST(HostApiReply, AllowedReplies) {
  const std::vector<Case> cases = {
      {"allowed", 200, R"({"allowed": true})", "allowed"},
      {"allowed, message ignored", 200, R"({"allowed": true, "message": "hi"})", "allowed"},
      {"refused with a message", 200,
       R"({"allowed": false, "message": "Your IP 203.0.113.9 is not allowed"})",
       "refused [Your IP 203.0.113.9 is not allowed]"},
      {"refused without one", 200, R"({"allowed": false})", "refused []"},
      {"refused, message null", 200, R"({"allowed": false, "message": null})", "refused []"},
      {"message on two lines", 200, R"({"allowed": false, "message": "a\nb\r\n"})",
       "refused [a b]"},
      {"server error", 503, "", failure_prefix(Kind::kServerError) + "HTTP 503"},
      {"token refused", 401, "", failure_prefix(Kind::kUnauthorized) + "HTTP 401"},
      {"404 is no answer here", 404, "", failure_prefix(Kind::kUnexpected) + "unexpected HTTP"},
      {"allowed a string", 200, R"({"allowed": "true"})",
       failure_prefix(Kind::kMalformed) + "'allowed' is missing or not true or false"},
      {"allowed 1", 200, R"({"allowed": 1})", failure_prefix(Kind::kMalformed) + "'allowed'"},
      {"no allowed", 200, R"({"message": "x"})", failure_prefix(Kind::kMalformed) + "'allowed'"},
      {"message a number", 200, R"({"allowed": false, "message": 3})",
       failure_prefix(Kind::kMalformed) + "'message' is not a string"},
      {"not JSON", 200, "yes", failure_prefix(Kind::kMalformed) + "the body is not"},
      {"trailing bytes", 200, R"({"allowed": true} x)",
       failure_prefix(Kind::kMalformed) + "the body is not"},
  };
  for (const Case& c : cases) {
    expect_every_split(c, parse_allowed_reply);
  }
}

TEST(HostApiReply, TheBodyIsCappedBeforeItIsBuffered) {
  std::string body(kMaxReplyBytes - 1, ' ');
  EXPECT_TRUE(append_reply_chunk(body, "x"));
  EXPECT_FALSE(append_reply_chunk(body, "y"));
  EXPECT_EQ(body.size(), kMaxReplyBytes);
  std::string other;
  EXPECT_FALSE(append_reply_chunk(other, std::string(kMaxReplyBytes + 1, 'z')));
  EXPECT_TRUE(other.empty());
}

TEST(HostApiReply, MessagesBecomeOneLine) {
  const struct {
    std::string in;
    std::string out;
  } cases[] = {
      {"plain", "plain"},
      {"  padded\t", "padded"},
      {"two\nlines", "two lines"},
      {"esc \x1b[31mred", "esc  [31mred"},
      {"del \x7f", "del"},
      {"c1 \xc2\x9b"
       "31m",
       "c1  31m"},                                                   // U+009B, the one-byte CSI
      {"kept \xc2\xa0 \xe2\x80\x94", "kept \xc2\xa0 \xe2\x80\x94"},  // NBSP, em dash
      {"\n\n", ""},
      {"bad \xff\xc3 \xe2\x80", "bad ?? ??"},  // not UTF-8: '?' per byte
      {std::string(kMaxMessageBytes, 'a'), std::string(kMaxMessageBytes, 'a')},
      {std::string(kMaxMessageBytes + 1, 'a'), std::string(kMaxMessageBytes, 'a') + "..."},
      // Cut before a character that does not fit whole, never inside it.
      {std::string(kMaxMessageBytes - 1, 'a') + "\xe2\x80\x94",
       std::string(kMaxMessageBytes - 1, 'a') + "..."},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(one_line(c.in), c.out) << c.in;
  }
}

TEST(HostApiReply, RequestBodiesAreTheContractsJson) {
  using nlohmann::json;
  const json key = json::parse(
      key_request(KeyQuery{"SHA256:abc", "ssh-ed25519 AAAA", "203.0.113.9", std::nullopt}));
  EXPECT_EQ(key, (json{{"fingerprint", "SHA256:abc"},
                       {"key", "ssh-ed25519 AAAA"},
                       {"client_address", "203.0.113.9"}}));
  const json principal =
      json::parse(principal_request(PrincipalQuery{"erin", "erin@laptop", "::1", std::nullopt}));
  EXPECT_EQ(principal,
            (json{{"principal", "erin"}, {"key_id", "erin@laptop"}, {"client_address", "::1"}}));
  const json allowed = json::parse(
      allowed_request(AccessQuery{1001, "erin", "demo/\xff.git", Action::kWrite, "203.0.113.9"}));
  EXPECT_EQ(allowed, (json{{"user_id", 1001},
                           {"user_name", "erin"},
                           {"repository", "demo/\xef\xbf\xbd.git"},  // U+FFFD
                           {"action", "write"},
                           {"client_address", "203.0.113.9"}}));
  EXPECT_EQ(
      json::parse(allowed_request(AccessQuery{1, "a", "r.git", Action::kRead, "x"})).at("action"),
      "read");
}

TEST(HostApiReply, TokenFile) {
  const struct {
    std::string text;
    std::string token;    // empty: refused
    std::string problem;  // part of the reason when refused
  } cases[] = {
      {"s3cr3t-Token_1.2~+/\n", "s3cr3t-Token_1.2~+/", ""},
      {"abc==\r\n", "abc==", ""},
      {"abc", "abc", ""},
      {"", "", "empty"},
      {"\n", "", "empty"},
      {"two words\n", "", "b64token"},
      {"line\nother\n", "", "b64token"},
      {"=abc", "", "b64token"},
      {"==", "", "b64token"},
      {"tab\there", "", "b64token"},
      {std::string(4097, 'a'), "", "longer than 4096"},
  };
  for (const auto& c : cases) {
    auto [token, problem] = parse_token_file(c.text);
    EXPECT_EQ(token, c.token) << c.text;
    if (c.token.empty()) {
      EXPECT_NE(problem.find(c.problem), std::string::npos) << c.text << ": " << problem;
    } else {
      EXPECT_EQ(problem, "") << c.text;
    }
  }
}

}  // namespace
}  // namespace gitgate::auth::detail
