#include "server/certificate_login.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "auth/certificate.h"
#include "auth/key_blob.h"
#include "logging/diagnostics.h"

namespace gitgate::server {
namespace {

constexpr std::string_view kCertificateSuffix = "-cert-v01@openssh.com";
constexpr size_t kMaxLabelKeyIdBytes = 64;
constexpr size_t kMaxLoggedPrincipals = 8;

// sshd's "Accepted certificate ID "%s" (serial %llu) signed by %s CA %s", escaped.
std::string describe(const auth::Certificate& certificate) {
  const std::string_view type = certificate.type;
  return fmt::format("certificate ID \"{}\" (serial {}) of {} {} signed by CA {}",
                     logging::printable(certificate.key_id), certificate.serial,
                     type.substr(0, type.size() - kCertificateSuffix.size()),
                     auth::fingerprint(certificate.key), auth::fingerprint(certificate.ca_key));
}

std::string principal_list(const auth::Certificate& certificate) {
  std::string list;
  for (size_t i = 0; i < certificate.principals.size() && i < kMaxLoggedPrincipals; ++i) {
    list += (i == 0 ? "" : ", ") + logging::printable(certificate.principals[i], 64);
  }
  if (certificate.principals.size() > kMaxLoggedPrincipals) {
    list += fmt::format(" and {} more", certificate.principals.size() - kMaxLoggedPrincipals);
  }
  return list;
}

CertificateRefused refused(std::string reason, std::string detail) {
  return CertificateRefused{false, std::move(reason), std::move(detail)};
}

}  // namespace

bool is_certificate(std::span<const uint8_t> key_blob) {
  const auto type = auth::blob_type(key_blob);
  return type && type->ends_with(kCertificateSuffix);
}

std::optional<CertificateOutcome> check_certificate_login(
    const auth::CertificateTrust* trust, std::span<const uint8_t> key_blob,
    const std::function<bool(std::string_view principal)>& names_user, std::string_view ssh_user,
    const net::SocketAddress& client, std::chrono::system_clock::time_point now) {
  const auto type = auth::blob_type(key_blob);
  if (!type || !type->ends_with(kCertificateSuffix)) {
    return std::nullopt;
  }
  auto parsed = auth::parse_certificate(key_blob);
  if (const auto* error = std::get_if<auth::CertificateError>(&parsed)) {
    return refused("unreadable certificate",
                   fmt::format("{} {}: {}", logging::printable(*type, 64),
                               auth::fingerprint(key_blob), logging::printable(error->message)));
  }
  const auto& certificate = std::get<auth::Certificate>(parsed);
  const std::string description = describe(certificate);
  if (trust == nullptr) {
    return refused("certificates not accepted",
                   description + ": no trusted_user_ca_keys are configured");
  }
  if (auto problem = trust->check(certificate, now, client)) {
    return refused(std::string(auth::refusal_name(problem->reason)),
                   description + ": " + logging::printable(problem->detail));
  }
  const auto& principals = certificate.principals;
  auto chosen = std::find(principals.begin(), principals.end(), ssh_user);
  if (chosen == principals.end() || !names_user(*chosen)) {
    chosen = std::find_if(principals.begin(), principals.end(),
                          [&](const std::string& principal) { return names_user(principal); });
  }
  if (chosen == principals.end()) {
    CertificateRefused unknown =
        refused("certificate principal unknown",
                fmt::format("{}: no principal names a user (principals: {})", description,
                            principal_list(certificate)));
    unknown.principal_unknown = true;
    return unknown;
  }
  return CertificateLogin{*chosen, certificate.key_id, description};
}

const auth::User* find_key_owner(const auth::UserDb* users, const auth::CertificateTrust* trust,
                                 std::span<const uint8_t> key_blob, std::string_view ssh_user,
                                 const net::SocketAddress& client) {
  if (users == nullptr) {
    return nullptr;
  }
  auto certified = check_certificate_login(
      trust, key_blob,
      [users](std::string_view principal) { return users->find_by_name(principal) != nullptr; },
      ssh_user, client, std::chrono::system_clock::now());
  if (!certified) {
    return users->find_by_key(key_blob);
  }
  const auto* login = std::get_if<CertificateLogin>(&*certified);
  return login != nullptr ? users->find_by_name(login->principal) : nullptr;
}

std::string certificate_label(std::string_view key_id) {
  static constexpr std::string_view kSafe = "-._~@+=:/";
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  const bool cut = key_id.size() > kMaxLabelKeyIdBytes;
  std::string label = "ssh:id:";
  for (const char c : key_id.substr(0, kMaxLabelKeyIdBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x80 && std::isalnum(byte) != 0) || kSafe.find(c) != std::string_view::npos) {
      label += c;
    } else {
      label += '%';
      label += kHex[byte >> 4U];
      label += kHex[byte & 0x0fU];
    }
  }
  return cut ? label + "..." : label;
}

}  // namespace gitgate::server
