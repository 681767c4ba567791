// parse_certificate over arbitrary bytes (the blob a client offers before it has
// authenticated), and the same bytes as a revoked_keys file (a KRL when they start with its
// magic, a text list otherwise). Never crashes; what parses keeps its promises.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "auth/certificate.h"
#include "auth/detail/ssh_key.h"
#include "auth/revoked_keys.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using gitgate::fuzz::check;
  namespace auth = gitgate::auth;
  const std::span<const uint8_t> bytes(data, size);
  auto parsed = auth::parse_certificate(bytes);
  if (const auto* certificate = std::get_if<auth::Certificate>(&parsed)) {
    check(auth::is_certificate_type(certificate->type));
    check(certificate->kind == auth::kUserCertificate ||
          certificate->kind == auth::kHostCertificate);
    check(certificate->principals.size() <= auth::kMaxPrincipals);
    // The signed part is a proper prefix of the input, the signature after it.
    check(certificate->signed_body.size() < size &&
          std::equal(certificate->signed_body.begin(), certificate->signed_body.end(), data));
    // Both keys are canonical: parsing them again gives the same bytes.
    for (const auto* key : {&certificate->key, &certificate->ca_key}) {
      auto again = auth::detail::parse_public_key(*key);
      const auto* plain = std::get_if<auth::detail::PublicKey>(&again);
      check(plain != nullptr && plain->blob == *key);
    }
    (void)auth::verify_certificate_signature(*certificate);
  } else {
    check(!std::get<auth::CertificateError>(parsed).message.empty());
  }
  auto revoked = auth::RevokedKeys::parse(bytes);
  if (const auto* list = std::get_if<auth::RevokedKeys>(&revoked)) {
    if (const auto* certificate = std::get_if<auth::Certificate>(&parsed)) {
      (void)list->revoked(*certificate);
    }
  } else {
    for (const auth::FileError& error : std::get<std::vector<auth::FileError>>(revoked)) {
      check(!error.message.empty() && error.line >= 0);
    }
  }
  return 0;
}
