// Which user a public key names at login, for one connection: the users file first, then the
// Git host's API (POST /ssh/key with the real client's address) for a key the file does not
// hold. libssh asks about each key twice (the probe without a signature, then the signed
// request): the host is asked once per key and connection. After the host failed once, the
// keys offered later are not asked about, so that a client with many keys is refused within
// about one api_timeout_ms rather than one per key.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "auth/host_api.h"
#include "auth/session_user.h"
#include "server/user_store.h"

namespace gitgate::server {

class KeyLogin {
 public:
  // host: null without [auth] api_url. deadline: the login grace deadline, which bounds the
  // host's calls too.
  KeyLogin(const UserStore& users, auth::HostDirectory* host, std::string client_address,
           std::chrono::steady_clock::time_point deadline)
      : users_(users),
        host_(host),
        client_address_(std::move(client_address)),
        deadline_(deadline) {}

  // The user the key (its blob, and its type name as libssh spells it, "ssh-ed25519") names;
  // or why none: an empty string for a key no source knows, else the host's failure.
  [[nodiscard]] std::variant<auth::SessionUser, std::string> find(const std::vector<uint8_t>& blob,
                                                                  std::string_view key_type);

  // True once, after the host's first failure: the connection tells the client then.
  [[nodiscard]] bool take_host_down_notice() { return std::exchange(notice_, false); }

 private:
  const auth::KeyLookup& ask_host(const std::vector<uint8_t>& blob, std::string_view key_type);

  const UserStore& users_;
  auth::HostDirectory* const host_;
  const std::string client_address_;
  const std::chrono::steady_clock::time_point deadline_;
  std::vector<std::pair<std::vector<uint8_t>, auth::KeyLookup>> answers_;
  std::optional<auth::ApiFailure> host_failure_;
  bool notice_ = false;
};

}  // namespace gitgate::server
