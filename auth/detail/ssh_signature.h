// Checking a CA's signature over a certificate with OpenSSL: the signature blob formats of
// RFC 8709 section 6 (Ed25519), RFC 5656 section 3.1.2 (ECDSA) and RFC 8332 section 3
// (rsa-sha2-256/512).
#pragma once

#include <string>

#include "auth/detail/ssh_key.h"
#include "auth/detail/ssh_wire.h"

namespace gitgate::auth::detail {

// Empty when `signature` (string algorithm, string blob) is key's valid signature of data;
// otherwise why not. The algorithm must be the key's own (ECDSA: with its curve's hash,
// RFC 5656 section 6.2.1), and for RSA rsa-sha2-256 or rsa-sha2-512: "ssh-rsa" (SHA-1) is
// refused, as OpenSSH has refused it for CA signatures since 8.2 (CASignatureAlgorithms).
[[nodiscard]] std::string verify_signature(const PublicKey& key, Bytes signature, Bytes data);

}  // namespace gitgate::auth::detail
