#include "auth/cert_trust.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

#include "auth/detail/key_lines.h"
#include "auth/detail/source_address.h"
#include "auth/detail/ssh_key.h"
#include "auth/detail/ssh_wire.h"

namespace gitgate::auth {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kForever = std::numeric_limits<uint64_t>::max();
// Later times print as this one: gmtime_r() cannot spell every 64-bit time.
constexpr uint64_t kLastSecondOfYear9999 = 253402300799;

CertificateProblem problem(CertificateRefusal reason, std::string detail) {
  return CertificateProblem{reason, std::move(detail)};
}

// "2026-12-03T12:00:00Z", or "forever" for valid before's all-ones.
std::string utc(uint64_t seconds) {
  if (seconds == kForever) {
    return "forever";
  }
  const auto clock = static_cast<std::time_t>(std::min(seconds, kLastSecondOfYear9999));
  std::tm tm{};
  gmtime_r(&clock, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<CertificateProblem> check_validity(const Certificate& certificate, uint64_t now) {
  const auto skew = static_cast<uint64_t>(kCertificateClockSkewSeconds);
  // valid after <= now < valid before (PROTOCOL.certkeys), each end widened by the skew
  // without overflowing.
  if (certificate.valid_after > now && certificate.valid_after - now > skew) {
    return problem(CertificateRefusal::kNotYetValid,
                   "not valid before " + utc(certificate.valid_after));
  }
  if (certificate.valid_before <= now && now - certificate.valid_before >= skew) {
    return problem(CertificateRefusal::kExpired, "expired at " + utc(certificate.valid_before));
  }
  return std::nullopt;
}

// The option's data must be one string and nothing else (auth-options.c
// cert_option_list(): "Certificate option ... corrupt (extra data)").
std::optional<std::string_view> single_text(const CertificateOption& option) {
  detail::WireReader reader(option.data);
  auto text = reader.text();
  if (!text || !reader.empty()) {
    return std::nullopt;
  }
  return text;
}

// PROTOCOL.certkeys defines force-command, source-address and verify-required; "if an
// implementation does not recognise a option, then the validating party should refuse to
// accept the certificate".
std::optional<CertificateProblem> check_options(const Certificate& certificate,
                                                const net::SocketAddress& client) {
  for (const CertificateOption& option : certificate.critical_options) {
    if (option.name == "force-command") {
      return problem(CertificateRefusal::kForceCommand,
                     "critical option force-command: gitgate serves git commands only and "
                     "cannot force another one");
    }
    if (option.name == "source-address") {
      auto text = single_text(option);
      auto list = text ? detail::parse_source_addresses(*text) : std::nullopt;
      if (!list) {
        return problem(CertificateRefusal::kSourceAddress,
                       "critical option source-address is not a valid address list");
      }
      if (!detail::source_address_matches(*list, client)) {
        return problem(
            CertificateRefusal::kSourceAddress,
            fmt::format("client {} is not in source-address {}", client.ip_string(), *text));
      }
      continue;
    }
    // verify-required asks for FIDO user verification, which only sk- keys sign; those
    // are not accepted here, so the option can never be met.
    return problem(CertificateRefusal::kUnsupportedOption,
                   "critical option " + option.name + " is not supported");
  }
  return std::nullopt;
}

std::variant<std::string, TrustFileError> read_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return TrustFileError{path, 0, "is a directory, not a file"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return TrustFileError{
        path, 0, "cannot open: " + std::error_code(errno, std::generic_category()).message()};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return TrustFileError{path, 0, "cannot read the file"};
  }
  return std::move(text).str();
}

void add_cas(const CertificateTrust::CaFile& file, std::vector<std::vector<uint8_t>>& cas,
             std::vector<TrustFileError>& errors) {
  auto lines = detail::read_key_lines(file.text);
  if (auto* failed = std::get_if<std::vector<FileError>>(&lines)) {
    for (FileError& error : *failed) {
      errors.push_back(TrustFileError{file.path, error.line, std::move(error.message)});
    }
    return;
  }
  const auto& keys = std::get<std::vector<detail::KeyLine>>(lines);
  if (keys.empty()) {
    errors.push_back(TrustFileError{file.path, 0, "holds no CA key"});
  }
  for (const detail::KeyLine& line : keys) {
    auto key = detail::parse_public_key(line.blob);
    if (auto* why = std::get_if<std::string>(&key)) {
      errors.push_back(TrustFileError{
          file.path, line.line,
          *why + " (a CA key must be ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa)"});
      continue;
    }
    cas.push_back(std::move(std::get<detail::PublicKey>(key).blob));
  }
}

}  // namespace

std::string_view refusal_name(CertificateRefusal reason) {
  switch (reason) {
    case CertificateRefusal::kUntrustedCa:
      return "certificate of an untrusted CA";
    case CertificateRefusal::kBadSignature:
      return "certificate signature invalid";
    case CertificateRefusal::kRevoked:
      return "certificate revoked";
    case CertificateRefusal::kHostCertificate:
      return "host certificate";
    case CertificateRefusal::kNotYetValid:
      return "certificate not yet valid";
    case CertificateRefusal::kExpired:
      return "certificate expired";
    case CertificateRefusal::kNoPrincipals:
      return "certificate without principals";
    case CertificateRefusal::kForceCommand:
      return "certificate with force-command";
    case CertificateRefusal::kSourceAddress:
      return "certificate source-address";
    case CertificateRefusal::kUnsupportedOption:
      return "certificate critical option";
  }
  return "certificate refused";
}

std::variant<CertificateTrust, std::vector<TrustFileError>> CertificateTrust::parse(
    const std::vector<CaFile>& ca_files, const std::optional<CaFile>& revoked_file) {
  CertificateTrust trust;
  std::vector<TrustFileError> errors;
  for (const CaFile& file : ca_files) {
    add_cas(file, trust.cas_, errors);
  }
  std::sort(trust.cas_.begin(), trust.cas_.end());
  trust.cas_.erase(std::unique(trust.cas_.begin(), trust.cas_.end()), trust.cas_.end());
  if (revoked_file) {
    const std::string& text = revoked_file->text;
    auto revoked =
        RevokedKeys::parse(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    if (auto* failed = std::get_if<std::vector<FileError>>(&revoked)) {
      for (FileError& error : *failed) {
        errors.push_back(TrustFileError{revoked_file->path, error.line, std::move(error.message)});
      }
    } else {
      trust.revoked_ = std::move(std::get<RevokedKeys>(revoked));
    }
  }
  if (!errors.empty()) {
    return errors;
  }
  return trust;
}

std::variant<CertificateTrust, std::vector<TrustFileError>> CertificateTrust::load(
    const std::vector<fs::path>& ca_files, const std::optional<fs::path>& revoked_file) {
  std::vector<CaFile> cas;
  std::optional<CaFile> revoked;
  std::vector<TrustFileError> errors;
  for (const fs::path& path : ca_files) {
    auto text = read_file(path);
    if (auto* error = std::get_if<TrustFileError>(&text)) {
      errors.push_back(std::move(*error));
    } else {
      cas.push_back(CaFile{path, std::move(std::get<std::string>(text))});
    }
  }
  if (revoked_file) {
    auto text = read_file(*revoked_file);
    if (auto* error = std::get_if<TrustFileError>(&text)) {
      errors.push_back(std::move(*error));
    } else {
      revoked = CaFile{*revoked_file, std::move(std::get<std::string>(text))};
    }
  }
  // The files that could be read are checked too, so that one run reports every mistake.
  auto parsed = parse(cas, revoked);
  if (auto* more = std::get_if<std::vector<TrustFileError>>(&parsed)) {
    errors.insert(errors.end(), more->begin(), more->end());
  }
  if (!errors.empty()) {
    return errors;
  }
  return parsed;
}

std::optional<CertificateProblem> CertificateTrust::check(const Certificate& certificate,
                                                          std::chrono::system_clock::time_point now,
                                                          const net::SocketAddress& client) const {
  if (!std::binary_search(cas_.begin(), cas_.end(), certificate.ca_key)) {
    // The caller's description names the CA key's fingerprint already.
    return problem(CertificateRefusal::kUntrustedCa, "its CA is not in trusted_user_ca_keys");
  }
  if (std::string why = verify_certificate_signature(certificate); !why.empty()) {
    return problem(CertificateRefusal::kBadSignature, "CA signature: " + why);
  }
  if (revoked_) {
    if (std::string why = revoked_->revoked(certificate); !why.empty()) {
      return problem(CertificateRefusal::kRevoked, why);
    }
  }
  if (certificate.kind != kUserCertificate) {
    return problem(CertificateRefusal::kHostCertificate, "a host certificate, not a user's");
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  if (auto invalid = check_validity(certificate,
                                    static_cast<uint64_t>(std::max<int64_t>(seconds.count(), 0)))) {
    return invalid;
  }
  // sshd with TrustedUserCAKeys and no AuthorizedPrincipalsFile calls
  // sshkey_cert_check_authority() with require_principal = 1: a certificate naming no
  // principal is refused ("Certificate lacks principal list"), not valid for everyone.
  if (certificate.principals.empty()) {
    return problem(CertificateRefusal::kNoPrincipals, "names no principal");
  }
  return check_options(certificate, client);
}

}  // namespace gitgate::auth
