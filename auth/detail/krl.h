// OpenSSH's key revocation list, the binary file `ssh-keygen -k` writes (PROTOCOL.krl),
// parsed from its bytes. Keys are held as canonical plain blobs (auth/detail/ssh_key.h)
// when of a type gitgate verifies, as written otherwise (such a key can revoke nothing
// gitgate accepts, but the KRL still loads).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "auth/detail/ssh_wire.h"

namespace gitgate::auth::detail {

struct KrlCertificates {
  std::vector<uint8_t> ca_key;                         // empty: the section applies to every CA
  std::vector<std::pair<uint64_t, uint64_t>> serials;  // inclusive ranges, no serial 0
  std::set<std::string, std::less<>> key_ids;
};

struct Krl {
  std::vector<KrlCertificates> certificates;
  std::set<std::vector<uint8_t>> keys;  // KRL_SECTION_EXPLICIT_KEY
  std::set<std::vector<uint8_t>> sha1;  // KRL_SECTION_FINGERPRINT_SHA1: of plain key blobs
  std::set<std::vector<uint8_t>> sha256;
};

// "SSHKRL\n\0": a file starting so is a KRL (OpenSSH tries a revoked-keys file as a KRL
// first and reads it as a list of public keys only when this is absent).
[[nodiscard]] bool has_krl_magic(Bytes bytes);

// The whole file. Refused, as OpenSSH refuses them: another format version, an unknown
// section or certificate subsection, a critical extension, unparsed bytes in a section,
// a serial range with lo > hi or revoking serial 0, a fingerprint of the wrong length.
// Refused beyond OpenSSH: a KRL_SECTION_SIGNATURE (OpenSSH >= 9.4 skips it unverified;
// PROTOCOL.krl: "Implementations that retrieve KRLs over untrusted channels must verify
// signatures" -- gitgate verifies none, so a signed KRL is not silently taken as checked).
[[nodiscard]] std::variant<Krl, std::string> parse_krl(Bytes bytes);

}  // namespace gitgate::auth::detail
