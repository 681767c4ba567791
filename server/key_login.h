// Which user a public key names at login, for one connection. A plain key: the users file
// first, then the Git host's API (POST /ssh/key with the real client's address) for a key the
// file does not hold. An OpenSSH user certificate: its CA, validity, options and revocation
// (server/certificate_login.h), then its principals, each a user name in the users file
// first and then a question to the host (POST /ssh/key with the principal and key id).
// libssh asks about each key twice (the probe without a signature, then the signed request):
// the host is asked once per key (or principal) and connection. After the host failed once,
// nothing later is asked about, so that a client with many keys is refused within about one
// api_timeout_ms rather than one per key.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "auth/cert_trust.h"
#include "auth/host_api.h"
#include "auth/session_user.h"
#include "net/socket_address.h"
#include "server/certificate_store.h"
#include "server/user_store.h"

namespace gitgate::server {

struct KeyFound {
  auth::SessionUser user;  // key_id set for a certificate
  std::string key_text;    // "ssh-ed25519 SHA256:..." or the certificate's description
  // A certificate: the trust snapshot it was checked with (SIGHUP compares); else null.
  std::shared_ptr<const auth::CertificateTrust> trust;
};

struct KeyRefused {
  std::string result;  // gitgate_auth_attempts_total's: "unknown key", "certificate refused",
                       // "host api failure"
  std::string why;     // the diagnostic's: "unknown key", "certificate expired", ...
  std::string detail;  // the key or certificate, and what went wrong, escaped
};

class KeyLogin {
 public:
  // certificates, host: null when not configured. deadline: the login grace deadline, which
  // bounds the host's calls too.
  KeyLogin(const UserStore& users, const CertificateStore* certificates, auth::HostDirectory* host,
           net::SocketAddress client, std::chrono::steady_clock::time_point deadline)
      : users_(users),
        certificates_(certificates),
        host_(host),
        client_(std::move(client)),
        deadline_(deadline) {}

  // The user the key (its blob, and its type name as libssh spells it, "ssh-ed25519") names
  // when logging in as ssh_user (a certificate's principal of that name is preferred).
  [[nodiscard]] std::variant<KeyFound, KeyRefused> find(const std::vector<uint8_t>& blob,
                                                        std::string_view key_type,
                                                        std::string_view ssh_user);

  // True once, after the host's first failure: the connection tells the client then.
  [[nodiscard]] bool take_host_down_notice() { return std::exchange(notice_, false); }

 private:
  std::variant<KeyFound, KeyRefused> find_plain(const std::vector<uint8_t>& blob,
                                                std::string_view key_type);
  std::variant<KeyFound, KeyRefused> find_certified(const std::vector<uint8_t>& blob,
                                                    std::string_view ssh_user);
  // The host's answer about a key (key_type + blob) or a principal (key_id beside it), asked
  // once per connection.
  const auth::KeyLookup& ask_host(const std::string& question,
                                  const std::function<auth::KeyLookup()>& ask);
  [[nodiscard]] const auth::KeyLookup* answered(const std::string& question) const;
  [[nodiscard]] KeyRefused host_failure(const std::string& key_text) const;

  const UserStore& users_;
  const CertificateStore* const certificates_;
  auth::HostDirectory* const host_;
  const net::SocketAddress client_;
  const std::chrono::steady_clock::time_point deadline_;
  std::vector<std::pair<std::string, auth::KeyLookup>> answers_;
  std::optional<auth::ApiFailure> host_failure_;
  bool notice_ = false;
  // The last key asked about and its verdict (find()).
  std::optional<std::pair<std::vector<uint8_t>, std::variant<KeyFound, KeyRefused>>> last_;
};

// After SIGHUP replaced the users or the certificate trust: whether `key` still names `user`.
// A users-file user is looked up again (a certificate by its CA and principals, as at login)
// and, still the same user, moved onto the new snapshot (users null: the old one stays). A
// user from the host's API is asked about by each request instead (POST /ssh/allowed): only
// their certificate, if any, is checked again.
[[nodiscard]] bool still_names(auth::SessionUser& user, std::span<const uint8_t> key,
                               std::shared_ptr<const auth::UserDb> users,
                               const auth::CertificateTrust* trust,
                               const net::SocketAddress& client);

}  // namespace gitgate::server
