// OpenSSH certificates (PROTOCOL.certkeys, now draft-miller-ssh-cert): the blob a client
// offers in publickey authentication when it logs in with a certificate, parsed from
// untrusted bytes, and the CA's signature over it checked. Whether the certificate lets
// anyone in is auth/cert_trust.h's question.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gitgate::auth {

// PROTOCOL.certkeys: "#define SSH_CERT_TYPE_USER 1 / SSH_CERT_TYPE_HOST 2".
inline constexpr uint32_t kUserCertificate = 1;
inline constexpr uint32_t kHostCertificate = 2;
// OpenSSH's SSHKEY_CERT_MAX_PRINCIPALS (sshkey.h): a certificate naming more is refused.
inline constexpr size_t kMaxPrincipals = 256;

// One critical option or extension: "string name, string data".
struct CertificateOption {
  std::string name;
  std::vector<uint8_t> data;
};

struct Certificate {
  std::string type;          // "ssh-ed25519-cert-v01@openssh.com"
  std::vector<uint8_t> key;  // the certified key, as a plain canonical blob ("ssh-ed25519" ...)
  uint64_t serial = 0;       // 0: the CA numbers none
  uint32_t kind = 0;         // kUserCertificate or kHostCertificate
  std::string key_id;        // free text the CA chose; never empty of meaning in logs
  std::vector<std::string> principals;
  uint64_t valid_after = 0;   // seconds since the epoch, valid_after <= now < valid_before
  uint64_t valid_before = 0;  // UINT64_MAX: forever
  std::vector<CertificateOption> critical_options;
  std::vector<CertificateOption> extensions;
  std::vector<uint8_t> ca_key;       // the signature key, as a plain canonical blob
  std::vector<uint8_t> signed_body;  // every byte from the type name to the signature key
  std::vector<uint8_t> signature;    // "string algorithm, string blob"
};

struct CertificateError {
  std::string message;
};

// The type name a key or certificate blob starts with ("string type"), if readable.
[[nodiscard]] std::optional<std::string_view> blob_type(std::span<const uint8_t> blob);

// "ssh-ed25519-cert-v01@openssh.com" and the other certificate types parse_certificate reads.
[[nodiscard]] bool is_certificate_type(std::string_view type_name);

// The wire blob of a certificate: ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa
// certificates (no DSA, no FIDO "sk-" keys); every field present, nothing after the
// signature; the CA key a plain key of a type this module verifies (no chained
// certificates). The signature is not checked here.
[[nodiscard]] std::variant<Certificate, CertificateError> parse_certificate(
    std::span<const uint8_t> blob);

// Empty when the CA key's signature over signed_body verifies; otherwise why not
// (auth/detail/ssh_signature.h: ssh-rsa SHA-1 signatures are refused).
[[nodiscard]] std::string verify_certificate_signature(const Certificate& certificate);

}  // namespace gitgate::auth
