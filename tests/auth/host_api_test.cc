// auth/host_api.cc: the HTTP side of the host's API against a real server on loopback
// (cpp-httplib): what is sent (path, JSON, bearer token), and what each way of failing
// becomes (refused connection, timeout, 5xx, 401, a reply too large), the login deadline,
// the token file, and the positive cache.
#include "auth/host_api.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "auth/detail/host_api_reply.h"

namespace gitgate::auth {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Kind = ApiFailure::Kind;

struct Seen {
  std::string path;
  std::string authorization;
  std::string content_type;
  nlohmann::json body;
};

// A host on 127.0.0.1 whose answer the test sets: status, body, and a delay.
class FakeHostServer {
 public:
  FakeHostServer() {
    const auto handle = [this](const httplib::Request& request, httplib::Response& response) {
      milliseconds delay{0};
      {
        std::lock_guard lock(mu_);
        seen_.push_back(Seen{request.path, request.get_header_value("Authorization"),
                             request.get_header_value("Content-Type"),
                             nlohmann::json::parse(request.body, nullptr, false)});
        response.status = status_;
        response.set_content(body_, "application/json");
        delay = delay_;
      }
      std::this_thread::sleep_for(delay);
    };
    server_.Post("/api/ssh/key", handle);
    server_.Post("/api/ssh/allowed", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would be lost, and the destructor's join() would wait for
    // ever: start only once it runs.
    while (!server_.is_running()) {
      std::this_thread::sleep_for(milliseconds(1));
    }
  }
  ~FakeHostServer() {
    server_.stop();
    thread_.join();
  }
  FakeHostServer(const FakeHostServer&) = delete;
  FakeHostServer& operator=(const FakeHostServer&) = delete;

  void answer(int status, std::string body, milliseconds delay = milliseconds(0)) {
    std::lock_guard lock(mu_);
    status_ = status;
    body_ = std::move(body);
    delay_ = delay;
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/api";
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int status_ = 200;
  std::string body_;
  milliseconds delay_{0};
  std::vector<Seen> seen_;
};

class HostApiTest : public testing::Test {
 protected:
  static void SetUpTestSuite() { HostApi::global_init(); }

  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "gitgate-api-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    write_token("t0ken\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_token(const std::string& text) { std::ofstream(dir_ / "token") << text; }

  std::unique_ptr<HostApi> api(const std::string& url, milliseconds timeout = milliseconds(2000),
                               std::chrono::seconds cache = std::chrono::seconds(0)) {
    auto made = std::make_unique<HostApi>(HostApiSettings{url, dir_ / "token", timeout, cache});
    EXPECT_EQ(made->reload_token(), "");
    return made;
  }

  static KeyQuery erin_key() {
    return KeyQuery{"SHA256:abc", "ssh-ed25519 AAAA", "203.0.113.9", std::nullopt};
  }
  static AccessQuery erin_reads() {
    return AccessQuery{1001, "erin", "demo/repo.git", Action::kRead, "203.0.113.9"};
  }

  fs::path dir_;
  FakeHostServer host_;
};

TEST_F(HostApiTest, AsksWithTheContractsRequests) {
  auto client = api(host_.url());
  host_.answer(200, R"({"user": {"name": "erin", "id": 1001}})");
  const KeyLookup found = client->lookup_key(erin_key());
  ASSERT_TRUE(std::holds_alternative<ApiUser>(found));
  EXPECT_EQ(std::get<ApiUser>(found).name, "erin");
  host_.answer(200, R"({"allowed": false, "message": "not from there"})");
  const AccessReply refused = client->allowed(erin_reads());
  ASSERT_TRUE(std::holds_alternative<Refused>(refused));
  EXPECT_EQ(std::get<Refused>(refused).message, "not from there");
  host_.answer(404, "");
  EXPECT_TRUE(std::holds_alternative<UnknownKey>(
      client->lookup_principal(PrincipalQuery{"erin", "erin@ca", "::1", std::nullopt})));

  const std::vector<Seen> seen = host_.seen();
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[0].path, "/api/ssh/key");
  EXPECT_EQ(seen[0].authorization, "Bearer t0ken");
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(seen[0].body, nlohmann::json::parse(detail::key_request(erin_key())));
  EXPECT_EQ(seen[1].path, "/api/ssh/allowed");
  EXPECT_EQ(seen[1].body.at("repository"), "demo/repo.git");
  EXPECT_EQ(seen[1].body.at("action"), "read");
  EXPECT_EQ(seen[1].body.at("client_address"), "203.0.113.9");
  EXPECT_EQ(seen[2].path, "/api/ssh/key");
  EXPECT_EQ(seen[2].body.at("principal"), "erin");
  EXPECT_EQ(seen[2].body.at("key_id"), "erin@ca");
}

TEST_F(HostApiTest, EachFailureIsAValueNamingItsCause) {
  auto client = api(host_.url(), milliseconds(300));
  const auto failure_of = [&](int status, const std::string& body, milliseconds delay) {
    host_.answer(status, body, delay);
    const KeyLookup got = client->lookup_key(erin_key());
    EXPECT_TRUE(std::holds_alternative<ApiFailure>(got)) << status << " " << body;
    return std::holds_alternative<ApiFailure>(got) ? std::get<ApiFailure>(got) : ApiFailure{};
  };
  EXPECT_EQ(failure_of(500, "", milliseconds(0)).describe(), "server error: HTTP 500");
  EXPECT_EQ(failure_of(401, "", milliseconds(0)).kind, Kind::kUnauthorized);
  EXPECT_EQ(failure_of(200, "{", milliseconds(0)).kind, Kind::kMalformed);
  const ApiFailure large =
      failure_of(200, std::string(detail::kMaxReplyBytes + 1, ' '), milliseconds(0));
  EXPECT_EQ(large.kind, Kind::kUnexpected);
  EXPECT_NE(large.detail.find("larger than 65536 bytes"), std::string::npos) << large.detail;

  const auto started = std::chrono::steady_clock::now();
  const ApiFailure slow = failure_of(200, "{}", milliseconds(1500));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(slow.kind, Kind::kTimeout);
  EXPECT_NE(slow.detail.find("within 300 ms"), std::string::npos) << slow.detail;
  // It waited for the timeout (not an immediate failure) and no longer than it: curl's timer
  // may fire a fraction of a millisecond early (299.7 ms seen), so the floor has slack.
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(1200));
}

TEST_F(HostApiTest, ARefusedConnectionIsNamed) {
  // A port bound but never listened on: a connection to it is refused.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);
  auto client = api("http://127.0.0.1:" + std::to_string(port));
  const AccessReply got = client->allowed(erin_reads());
  ASSERT_TRUE(std::holds_alternative<ApiFailure>(got));
  const ApiFailure& failure = std::get<ApiFailure>(got);
  EXPECT_EQ(failure.kind, Kind::kUnreachable);
  EXPECT_NE(failure.detail.find("Connection refused"), std::string::npos) << failure.detail;
  close(fd);
}

TEST_F(HostApiTest, TheLoginDeadlineShortensTheWait) {
  auto client = api(host_.url(), milliseconds(2000));
  host_.answer(200, R"({"user": {"name": "erin", "id": 1}})", milliseconds(1500));
  KeyQuery query = erin_key();
  query.deadline = std::chrono::steady_clock::now() + milliseconds(200);
  const auto started = std::chrono::steady_clock::now();
  const KeyLookup got = client->lookup_key(query);
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(1000));
  ASSERT_TRUE(std::holds_alternative<ApiFailure>(got));
  EXPECT_EQ(std::get<ApiFailure>(got).kind, Kind::kTimeout);

  query.deadline = std::chrono::steady_clock::now() - milliseconds(1);
  const size_t asked = host_.seen().size();
  const KeyLookup late = client->lookup_key(query);
  ASSERT_TRUE(std::holds_alternative<ApiFailure>(late));
  EXPECT_NE(std::get<ApiFailure>(late).detail.find("login deadline"), std::string::npos);
  EXPECT_EQ(host_.seen().size(), asked);  // not even asked
}

TEST_F(HostApiTest, TheTokenFileIsReadAgainOnReload) {
  auto client = api(host_.url());
  host_.answer(200, R"({"allowed": true})");
  (void)client->allowed(erin_reads());
  write_token("n3w\n");
  EXPECT_EQ(client->reload_token(), "");
  (void)client->allowed(erin_reads());
  write_token("not a token\n");
  EXPECT_NE(client->reload_token().find("b64token"), std::string::npos);
  (void)client->allowed(erin_reads());  // the last good token stays
  fs::remove(dir_ / "token");
  EXPECT_NE(client->reload_token().find("cannot be read"), std::string::npos);
  const std::vector<Seen> seen = host_.seen();
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[0].authorization, "Bearer t0ken");
  EXPECT_EQ(seen[1].authorization, "Bearer n3w");
  EXPECT_EQ(seen[2].authorization, "Bearer n3w");
}

TEST_F(HostApiTest, TheCacheKeepsOnlyPositiveAnswers) {
  for (const int ttl : {0, 60}) {
    auto client = api(host_.url(), milliseconds(2000), std::chrono::seconds(ttl));
    const size_t before = host_.seen().size();
    host_.answer(200, R"({"user": {"name": "erin", "id": 1}})");
    (void)client->lookup_key(erin_key());
    (void)client->lookup_key(erin_key());
    host_.answer(200, R"({"allowed": false})");
    (void)client->allowed(erin_reads());
    (void)client->allowed(erin_reads());
    host_.answer(200, R"({"allowed": true})");
    (void)client->allowed(erin_reads());
    (void)client->allowed(erin_reads());
    AccessQuery elsewhere = erin_reads();
    elsewhere.client_address = "198.51.100.1";  // another request: asked again
    (void)client->allowed(elsewhere);
    // Without a cache every call asks; with one, the second of each positive pair does not.
    EXPECT_EQ(host_.seen().size() - before, ttl == 0 ? 7U : 5U) << "ttl " << ttl;
  }
}

}  // namespace
}  // namespace gitgate::auth
