// Plain SSH public keys (RFC 4253 section 6.6, RFC 5656 section 3.1, RFC 8709 section 4) of
// the algorithms a certificate or its CA may use here, parsed from untrusted bytes, and
// their canonical blobs: keys are compared (trusted CAs, revocation) blob to blob, so
// each key must have exactly one encoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/detail/ssh_wire.h"

namespace gitgate::auth::detail {

// No DSA (OpenSSH 9.8 dropped it) and no FIDO (sk-) keys: their signatures carry
// flags gitgate would have to judge, and no CA is one.
enum class KeyAlgorithm : uint8_t { kEd25519, kEcdsaP256, kEcdsaP384, kEcdsaP521, kRsa };

struct PublicKey {
  KeyAlgorithm algorithm = KeyAlgorithm::kEd25519;
  // Ed25519: the 32-byte key. ECDSA: the uncompressed point Q. RSA: the exponent e.
  std::vector<uint8_t> first;
  // RSA: the modulus n (no leading zeros). Empty otherwise.
  std::vector<uint8_t> second;
  // The canonical wire encoding: type name, then the fields above.
  std::vector<uint8_t> blob;
};

// OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE (ssh-rsa.c): smaller keys are refused.
constexpr size_t kMinRsaBits = 1024;
// OpenSSH's SSHBUF_MAX_BIGNUM: 16384-bit moduli at most.
constexpr size_t kMaxRsaBytes = 2048;

// "ssh-ed25519", "ecdsa-sha2-nistp256", ..., "ssh-rsa".
[[nodiscard]] std::string_view key_type_name(KeyAlgorithm algorithm);
// The algorithm a plain key type name names, if one of ours.
[[nodiscard]] std::optional<KeyAlgorithm> algorithm_of(std::string_view type_name);

// The fields after the type name (a certificate holds them after its nonce); a reason on
// malformed ones. Consumes them from reader.
[[nodiscard]] std::variant<PublicKey, std::string> read_key_fields(KeyAlgorithm algorithm,
                                                                   WireReader& reader);

// A whole plain key blob: a known type name, its fields, nothing after them.
[[nodiscard]] std::variant<PublicKey, std::string> parse_public_key(Bytes blob);

}  // namespace gitgate::auth::detail
