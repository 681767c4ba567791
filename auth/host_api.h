// The Git host's API: the second source of users after the users file (README, "Sources of
// users"). Two calls, HTTP/1.1 POST with JSON, a bearer token:
//   POST {api_url}/ssh/key      who owns this key (or, for a certificate, this principal)?
//   POST {api_url}/ssh/allowed  may this user read or write this repository from this address?
// Every answer is a value: the user, "no such key", allowed or refused with the host's
// message, or a failure naming its cause (timeout, refused connection, 5xx, 401, bad JSON).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gitgate::auth {

namespace detail {
class ReplyCache;
}

// Why a call got no usable answer; `describe()` is the diagnostic's words.
struct ApiFailure {
  enum class Kind {
    kTimeout,       // no complete reply within api_timeout_ms
    kUnreachable,   // connection refused, no route, name not resolved, TLS failed
    kUnauthorized,  // 401 or 403: the token (api_token_file) is wrong or lacks the right
    kServerError,   // 5xx
    kUnexpected,    // another status, or a reply larger than gitgate reads
    kMalformed,     // 200 whose body is not the JSON the contract says
  };
  Kind kind = Kind::kUnexpected;
  std::string detail;  // "HTTP 503", "connection refused", "'user.id' is not an integer"

  [[nodiscard]] std::string describe() const;
};

struct ApiUser {
  std::string name;  // the users file's rules: 1-64 of A-Z a-z 0-9 . _ -
  int64_t id = 0;    // >= 0; shares the access log's ssh:user:id:N with the users file's ids
};
struct UnknownKey {};  // 404: the host knows no such key (or principal)
using KeyLookup = std::variant<ApiUser, UnknownKey, ApiFailure>;

struct Allowed {};
struct Refused {
  std::string message;  // one line for the client, as the host wrote it; may be empty
};
using AccessReply = std::variant<Allowed, Refused, ApiFailure>;

enum class Action { kRead, kWrite };
[[nodiscard]] std::string_view action_name(Action action);  // "read", "write"

// POST /ssh/key for a plain key.
struct KeyQuery {
  std::string fingerprint;     // "SHA256:..." as ssh-keygen -l prints it
  std::string key;             // the authorized_keys line: "ssh-ed25519 AAAA..."
  std::string client_address;  // the real client (the PROXY header's), "203.0.113.9"
  // The login grace deadline: the call gives up by then even inside api_timeout_ms.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// POST /ssh/key for a certificate: its principal and key id instead of the key.
struct PrincipalQuery {
  std::string principal;
  std::string key_id;
  std::string client_address;
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// POST /ssh/allowed.
struct AccessQuery {
  int64_t user_id = 0;
  std::string user_name;
  std::string repository;  // canonical, relative to the repositories root: "demo/repo.git"
  Action action = Action::kRead;
  std::string client_address;
};

// The host's API as gitgate uses it: HostApi speaks HTTP; the tests of what is decided from
// the answers substitute a fake. Calls may come from any thread at once.
class HostDirectory {
 public:
  virtual ~HostDirectory() = default;
  [[nodiscard]] virtual KeyLookup lookup_key(const KeyQuery& query) = 0;
  [[nodiscard]] virtual KeyLookup lookup_principal(const PrincipalQuery& query) = 0;
  [[nodiscard]] virtual AccessReply allowed(const AccessQuery& query) = 0;
};

struct HostApiSettings {
  std::string url;  // "https://git.example.com/api/internal", no trailing '/'
  std::filesystem::path token_file;
  std::chrono::milliseconds timeout{2000};
  std::chrono::seconds cache_ttl{0};  // 0: no cache
};

// libcurl, one easy handle per call (no state shared between threads but the cache and the
// token). No proxy from the environment: the API is the host's own, called directly.
class HostApi final : public HostDirectory {
 public:
  // curl_global_init: once, before any thread calls (not thread-safe in libcurl 7.88).
  static void global_init();
  static void global_cleanup();

  explicit HostApi(HostApiSettings settings);
  ~HostApi() override;
  HostApi(const HostApi&) = delete;
  HostApi& operator=(const HostApi&) = delete;

  // (Re)reads the token file (at start, and on SIGHUP). Returns why it is unusable, or an
  // empty string; on an error the token in use stays.
  [[nodiscard]] std::string reload_token();

  [[nodiscard]] KeyLookup lookup_key(const KeyQuery& query) override;
  [[nodiscard]] KeyLookup lookup_principal(const PrincipalQuery& query) override;
  [[nodiscard]] AccessReply allowed(const AccessQuery& query) override;

  [[nodiscard]] const HostApiSettings& settings() const { return settings_; }

 private:
  struct Reply {
    long status = 0;
    std::string body;
  };
  std::variant<Reply, ApiFailure> post(std::string_view path, const std::string& body,
                                       std::chrono::milliseconds timeout);
  [[nodiscard]] std::chrono::milliseconds timeout_until(
      std::optional<std::chrono::steady_clock::time_point> deadline) const;
  KeyLookup key_call(const std::string& body,
                     std::optional<std::chrono::steady_clock::time_point> deadline);

  const HostApiSettings settings_;
  mutable std::mutex token_mu_;
  std::string token_;
  std::unique_ptr<detail::ReplyCache> cache_;
};

}  // namespace gitgate::auth
