// Logging in with an OpenSSH user certificate. libssh 0.10 hands the server a certificate
// as an ssh_key of type SSH_KEYTYPE_*_CERT01 whose exported blob is the whole certificate,
// and checks the client's signature with the certified key inside it (messages.c: the
// signature is verified with ssh_key_type_plain() of the key type) -- but it checks
// nothing about the certificate itself: not the CA, not the validity, not the principals.
// This is where gitgate does (auth/cert_trust.h) and picks the principal that logs in.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "auth/cert_trust.h"
#include "auth/users.h"
#include "net/socket_address.h"

namespace gitgate::server {

struct CertificateLogin {
  std::string principal;    // the one that logs in (it names a user)
  std::string key_id;       // the access log's "ssh:id:<key id>" (certificate_label)
  std::string description;  // 'certificate ID "alice" (serial 42) of ssh-ed25519 SHA256:...'
};

struct CertificateRefused {
  bool principal_unknown = false;  // trusted and valid, but no principal names a user
  std::string reason;  // "certificate expired" (auth::refusal_name, or "certificate principal
                       // unknown", "unreadable certificate", "certificates not accepted")
  std::string detail;  // the description above and why, escaped for a log line
};

using CertificateOutcome = std::variant<CertificateLogin, CertificateRefused>;

// Whether key_blob's type name ends in "-cert-v01@openssh.com".
[[nodiscard]] bool is_certificate(std::span<const uint8_t> key_blob);

// nullopt when key_blob is not a certificate (its type name does not end in
// "-cert-v01@openssh.com"): the plain-key path applies. Otherwise the verdict: trust null
// (no trusted_user_ca_keys) refuses every certificate; `names_user` says whether a
// principal names a user who may log in. The principal chosen is ssh_user (the name the
// client logs in as) when it is a principal naming a user, else the first principal in
// the certificate's order that names one. client is the real client (PROXY header).
[[nodiscard]] std::optional<CertificateOutcome> check_certificate_login(
    const auth::CertificateTrust* trust, std::span<const uint8_t> key_blob,
    const std::function<bool(std::string_view principal)>& names_user, std::string_view ssh_user,
    const net::SocketAddress& client, std::chrono::system_clock::time_point now);

// Who a key offered in publickey authentication names in the users file, when SIGHUP
// replaces the users or the certificate files: a plain key by itself, a certificate through
// check_certificate_login() with the users file's names as principals. nullptr: nobody.
[[nodiscard]] const auth::User* find_key_owner(const auth::UserDb* users,
                                               const auth::CertificateTrust* trust,
                                               std::span<const uint8_t> key_blob,
                                               std::string_view ssh_user,
                                               const net::SocketAddress& client);

// "ssh:id:" + the key id percent-encoded: every byte outside A-Z a-z 0-9 and "-._~@+=:/"
// becomes %XX (so ',' ' ' '|' '%' and non-ASCII never split or break the access log's
// labels field), the key id cut to 64 bytes first (then "..." follows).
[[nodiscard]] std::string certificate_label(std::string_view key_id);

}  // namespace gitgate::server
