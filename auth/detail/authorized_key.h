// One public key in OpenSSH's authorized_keys format (sshd(8), "AUTHORIZED_KEYS
// FILE FORMAT"), as the users file lists them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gitgate::auth::detail {

struct AuthorizedKey {
  std::string type;           // "ssh-ed25519"
  std::vector<uint8_t> blob;  // the SSH wire-format public key (RFC 4253 section 6.6)
  std::string comment;        // may be empty
};

// A reason fit to show the operator next to the line number.
struct KeyError {
  std::string message;
};

// "type base64 [comment]". Options before the type are refused, not ignored: a
// 'restrict' or 'command=' the operator wrote would otherwise silently not apply.
[[nodiscard]] std::variant<AuthorizedKey, KeyError> parse_authorized_key(std::string_view line);

// Raw SHA-256 of the blob (32 bytes in a string, to key a hash map).
[[nodiscard]] std::string sha256_raw(std::span<const uint8_t> blob);

}  // namespace gitgate::auth::detail
