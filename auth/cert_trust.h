// Whether an OpenSSH user certificate may log in, the checks of sshd's
// user_cert_trusted_ca() (auth2-pubkey.c) and sshkey_cert_check_authority() (sshkey.c):
// signed by a trusted CA, not revoked, a user certificate, valid now, with principals,
// and with no critical option gitgate cannot honour. Which user a principal names is the
// caller's (server/) question.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "auth/certificate.h"
#include "auth/revoked_keys.h"
#include "net/socket_address.h"

namespace gitgate::auth {

// Seconds either side of a certificate's validity still accepted: a CA and gitgate whose
// clocks disagree a little (NTP steps, a CA minting a certificate valid from "now")
// should not lock users out. OpenSSH allows none; ssh-keygen's default -V start is one
// minute in the past for the same reason.
inline constexpr int64_t kCertificateClockSkewSeconds = 60;

enum class CertificateRefusal : uint8_t {
  kUntrustedCa,        // the CA key is not in trusted_user_ca_keys
  kBadSignature,       // the CA's signature does not verify (or is ssh-rsa/SHA-1)
  kRevoked,            // revoked_keys lists it (serial, key id, key, CA key)
  kHostCertificate,    // a host certificate offered for a user login
  kNotYetValid,        // now + skew < valid after
  kExpired,            // valid before <= now - skew
  kNoPrincipals,       // OpenSSH: "Certificate lacks principal list"
  kForceCommand,       // gitgate runs git commands only; it cannot force another one
  kSourceAddress,      // the real client is outside source-address (or the list is invalid)
  kUnsupportedOption,  // a critical option gitgate does not know, or malformed
};

struct CertificateProblem {
  CertificateRefusal reason = CertificateRefusal::kUntrustedCa;
  std::string detail;  // for the diagnostic line; may quote the certificate (escape it)
};

// A short stable name per refusal ("certificate expired"), for metrics and logs.
[[nodiscard]] std::string_view refusal_name(CertificateRefusal reason);

// An error in one of the files: its path, and the line (0: the file as a whole).
struct TrustFileError {
  std::filesystem::path file;
  int line = 0;
  std::string message;
};

class CertificateTrust {
 public:
  // From the contents of trusted_user_ca_keys files (each: OpenSSH public keys, one a
  // line, of the types a CA may have here: ssh-ed25519, ecdsa-sha2-nistp256/384/521,
  // ssh-rsa) and of the revoked_keys file (none: nothing revoked).
  struct CaFile {
    std::filesystem::path path;
    std::string text;
  };
  static std::variant<CertificateTrust, std::vector<TrustFileError>> parse(
      const std::vector<CaFile>& ca_files, const std::optional<CaFile>& revoked_file);
  // The same from the files themselves.
  static std::variant<CertificateTrust, std::vector<TrustFileError>> load(
      const std::vector<std::filesystem::path>& ca_files,
      const std::optional<std::filesystem::path>& revoked_file);

  // Nothing when the certificate may log in as one of its principals; client is the real
  // client (the PROXY header's source) that source-address is matched against.
  [[nodiscard]] std::optional<CertificateProblem> check(const Certificate& certificate,
                                                        std::chrono::system_clock::time_point now,
                                                        const net::SocketAddress& client) const;

  [[nodiscard]] size_t ca_count() const { return cas_.size(); }
  [[nodiscard]] const RevokedKeys* revoked_keys() const { return revoked_ ? &*revoked_ : nullptr; }

 private:
  std::vector<std::vector<uint8_t>> cas_;  // canonical plain blobs
  std::optional<RevokedKeys> revoked_;
};

}  // namespace gitgate::auth
