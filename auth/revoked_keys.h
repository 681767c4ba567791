// [auth] revoked_keys: the certificates and keys no longer accepted, in either of the two
// formats OpenSSH's RevokedKeys takes (sshd_config(5)): an OpenSSH KRL (`ssh-keygen -k`,
// PROTOCOL.krl: revocation by serial per CA, by key id, by key or fingerprint), or a text
// file of public keys, one a line. A file starting with the KRL magic is a KRL.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "auth/certificate.h"
#include "auth/users.h"

namespace gitgate::auth {

namespace detail {
struct Krl;
}

class RevokedKeys {
 public:
  // The file's bytes. Text lines are "type base64 [comment]", blank lines and '#'
  // comments skipped; a certificate line revokes its certified key. Lines of types
  // gitgate never accepts in a certificate (ssh-dss, sk-... FIDO keys) are skipped, as
  // they can revoke nothing here. Errors have the line (0 for a KRL's).
  static std::variant<RevokedKeys, std::vector<FileError>> parse(std::span<const uint8_t> file);

  // Why the certificate is revoked, or empty. As OpenSSH's krl.c ssh_krl_check_key():
  // its certified key or its CA key listed (as a key, or by SHA-1/SHA-256 of the key
  // blob), its key id listed for its CA or for every CA, its serial within a listed range
  // for its CA or for every CA -- serial 0 never ("the default when the CA doesn't
  // specify one").
  [[nodiscard]] std::string revoked(const Certificate& certificate) const;

  [[nodiscard]] bool is_krl() const { return krl_ != nullptr; }
  [[nodiscard]] size_t key_count() const;

 private:
  std::shared_ptr<const detail::Krl> krl_;  // a KRL; else keys_ from a text file
  std::vector<std::vector<uint8_t>> keys_;  // canonical plain blobs
};

}  // namespace gitgate::auth
