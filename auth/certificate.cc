// The certificate layout, PROTOCOL.certkeys "New public key formats":
//
//     string    "ssh-ed25519-cert-v01@openssh.com" (or an ecdsa/rsa type)
//     string    nonce
//     ...       the key's own fields (string pk | string curve, string Q | mpint e, mpint n)
//     uint64    serial
//     uint32    type
//     string    key id
//     string    valid principals     (a string of strings)
//     uint64    valid after
//     uint64    valid before
//     string    critical options     (a string of "string name, string data" pairs)
//     string    extensions           (the same)
//     string    reserved
//     string    signature key
//     string    signature            (over every preceding byte)
#include "auth/certificate.h"

#include <array>
#include <optional>
#include <set>

#include "auth/detail/ssh_key.h"
#include "auth/detail/ssh_signature.h"
#include "auth/detail/ssh_wire.h"

namespace gitgate::auth {
namespace {

using detail::Bytes;
using detail::KeyAlgorithm;
using detail::WireReader;

struct CertificateType {
  std::string_view name;
  KeyAlgorithm algorithm;
};

constexpr std::array<CertificateType, 5> kCertificateTypes{{
    {"ssh-ed25519-cert-v01@openssh.com", KeyAlgorithm::kEd25519},
    {"ecdsa-sha2-nistp256-cert-v01@openssh.com", KeyAlgorithm::kEcdsaP256},
    {"ecdsa-sha2-nistp384-cert-v01@openssh.com", KeyAlgorithm::kEcdsaP384},
    {"ecdsa-sha2-nistp521-cert-v01@openssh.com", KeyAlgorithm::kEcdsaP521},
    {"ssh-rsa-cert-v01@openssh.com", KeyAlgorithm::kRsa},
}};

// A nonce is "typically 16 or 32 bytes"; a key id or principal is a name. Caps far above
// what ssh-keygen writes keep a hostile certificate from costing memory.
constexpr size_t kMaxTextBytes = 1024;

CertificateError error(std::string message) { return CertificateError{std::move(message)}; }

std::optional<KeyAlgorithm> certificate_algorithm(std::string_view type_name) {
  for (const CertificateType& type : kCertificateTypes) {
    if (type.name == type_name) {
      return type.algorithm;
    }
  }
  return std::nullopt;
}

// "string name, string data" pairs. PROTOCOL.certkeys: "Each named option may only appear
// once"; OpenSSH enforces it for the options it knows, this for every name.
std::optional<std::vector<CertificateOption>> read_options(Bytes section) {
  std::vector<CertificateOption> options;
  std::set<std::string, std::less<>> seen;
  WireReader reader(section);
  while (!reader.empty()) {
    auto name = reader.text();
    auto data = name ? reader.string() : std::nullopt;
    if (!data || name->size() > kMaxTextBytes || !seen.emplace(*name).second) {
      return std::nullopt;
    }
    options.push_back(CertificateOption{std::string(*name), {data->begin(), data->end()}});
  }
  return options;
}

std::optional<std::vector<std::string>> read_principals(Bytes section) {
  std::vector<std::string> principals;
  WireReader reader(section);
  while (!reader.empty()) {
    auto principal = reader.text();
    if (!principal || principal->size() > kMaxTextBytes || principals.size() >= kMaxPrincipals) {
      return std::nullopt;
    }
    principals.emplace_back(*principal);
  }
  return principals;
}

// The fields between the key and the signature key.
std::optional<CertificateError> read_body(WireReader& reader, Certificate& certificate) {
  auto serial = reader.u64();
  auto kind = serial ? reader.u32() : std::nullopt;
  auto key_id = kind ? reader.text() : std::nullopt;
  auto principals = key_id ? reader.string() : std::nullopt;
  auto valid_after = principals ? reader.u64() : std::nullopt;
  auto valid_before = valid_after ? reader.u64() : std::nullopt;
  auto critical = valid_before ? reader.string() : std::nullopt;
  auto extensions = critical ? reader.string() : std::nullopt;
  auto reserved = extensions ? reader.string() : std::nullopt;
  if (!reserved) {
    return error("truncated certificate");
  }
  if (key_id->size() > kMaxTextBytes) {
    return error("key id is too long");
  }
  if (*kind != kUserCertificate && *kind != kHostCertificate) {
    return error("unknown certificate type " + std::to_string(*kind));
  }
  auto principal_list = read_principals(*principals);
  if (!principal_list) {
    return error("malformed principals");
  }
  auto critical_options = read_options(*critical);
  auto extension_list = critical_options ? read_options(*extensions) : std::nullopt;
  if (!extension_list) {
    return error("malformed critical options or extensions");
  }
  certificate.serial = *serial;
  certificate.kind = *kind;
  certificate.key_id = std::string(*key_id);
  certificate.principals = std::move(*principal_list);
  certificate.valid_after = *valid_after;
  certificate.valid_before = *valid_before;
  certificate.critical_options = std::move(*critical_options);
  certificate.extensions = std::move(*extension_list);
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> blob_type(std::span<const uint8_t> blob) {
  return WireReader(blob).text();
}

bool is_certificate_type(std::string_view type_name) {
  return certificate_algorithm(type_name).has_value();
}

std::variant<Certificate, CertificateError> parse_certificate(std::span<const uint8_t> blob) {
  WireReader reader(blob);
  auto type = reader.text();
  if (!type) {
    return error("truncated certificate");
  }
  auto algorithm = certificate_algorithm(*type);
  if (!algorithm) {
    return error("not a supported certificate type");
  }
  Certificate certificate;
  certificate.type = std::string(*type);
  if (!reader.string()) {  // the nonce: only ever signed, never read
    return error("truncated certificate");
  }
  auto key = detail::read_key_fields(*algorithm, reader);
  if (auto* why = std::get_if<std::string>(&key)) {
    return error("certified key: " + *why);
  }
  certificate.key = std::move(std::get<detail::PublicKey>(key).blob);
  if (auto failed = read_body(reader, certificate)) {
    return *failed;
  }
  auto ca_key = reader.string();
  if (!ca_key) {
    return error("truncated certificate");
  }
  const auto signed_length = static_cast<size_t>(reader.position() - blob.data());
  auto signature = reader.string();
  if (!signature) {
    return error("truncated certificate");
  }
  if (!reader.empty()) {
    return error("trailing bytes after the signature");
  }
  // PROTOCOL.certkeys: '"Chained" certificates, where the signature key type is a
  // certificate type itself are NOT supported.' parse_public_key knows plain types only.
  auto ca = detail::parse_public_key(*ca_key);
  if (auto* why = std::get_if<std::string>(&ca)) {
    return error("CA key: " + *why);
  }
  certificate.ca_key = std::move(std::get<detail::PublicKey>(ca).blob);
  certificate.signed_body.assign(blob.begin(),
                                 blob.begin() + static_cast<ptrdiff_t>(signed_length));
  certificate.signature.assign(signature->begin(), signature->end());
  return certificate;
}

std::string verify_certificate_signature(const Certificate& certificate) {
  auto ca = detail::parse_public_key(certificate.ca_key);
  if (auto* why = std::get_if<std::string>(&ca)) {
    return "CA key: " + *why;
  }
  return detail::verify_signature(std::get<detail::PublicKey>(ca), certificate.signature,
                                  certificate.signed_body);
}

}  // namespace gitgate::auth
