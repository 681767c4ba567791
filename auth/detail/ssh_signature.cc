#include "auth/detail/ssh_signature.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>

namespace gitgate::auth::detail {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* pointer) const {
    Free(pointer);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

void free_openssl(unsigned char* pointer) { OPENSSL_free(pointer); }

constexpr size_t kEd25519SignatureBytes = 64;
// ECDSA r and s are below the group order: at most 66 bytes (P-521).
constexpr size_t kMaxEcdsaScalarBytes = 66;

PkeyPtr from_params(const char* type, OSSL_PARAM_BLD* builder) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(builder));
  PkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (params == nullptr || context == nullptr || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return PkeyPtr(pkey);
}

PkeyPtr ecdsa_key(const PublicKey& key) {
  const char* group = key.algorithm == KeyAlgorithm::kEcdsaP256   ? "prime256v1"
                      : key.algorithm == KeyAlgorithm::kEcdsaP384 ? "secp384r1"
                                                                  : "secp521r1";
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, key.first.data(),
                                       key.first.size()) != 1) {
    return nullptr;
  }
  return from_params("EC", builder.get());
}

BnPtr to_bignum(Bytes magnitude) {
  return BnPtr(BN_bin2bn(magnitude.data(), static_cast<int>(magnitude.size()), nullptr));
}

PkeyPtr rsa_key(const PublicKey& key) {
  BnPtr e = to_bignum(key.first);
  BnPtr n = to_bignum(key.second);
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (e == nullptr || n == nullptr || builder == nullptr ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return nullptr;
  }
  return from_params("RSA", builder.get());
}

// md null: a one-shot algorithm (Ed25519).
bool digest_verify(EVP_PKEY* pkey, const EVP_MD* md, Bytes signature, Bytes data) {
  MdCtxPtr context(EVP_MD_CTX_new());
  return context != nullptr &&
         EVP_DigestVerifyInit(context.get(), nullptr, md, nullptr, pkey) == 1 &&
         EVP_DigestVerify(context.get(), signature.data(), signature.size(), data.data(),
                          data.size()) == 1;
}

std::string verify_ed25519(const PublicKey& key, Bytes raw, Bytes data) {
  if (raw.size() != kEd25519SignatureBytes) {
    return "ssh-ed25519 signature is not 64 bytes";
  }
  PkeyPtr pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.first.data(), key.first.size()));
  if (pkey == nullptr) {
    return "unusable ssh-ed25519 CA key";
  }
  return digest_verify(pkey.get(), nullptr, raw, data) ? "" : "signature does not verify";
}

// RFC 5656 section 3.1.2: the blob is mpint r, mpint s; OpenSSL wants DER.
std::string verify_ecdsa(const PublicKey& key, Bytes raw, Bytes data) {
  WireReader reader(raw);
  auto r = reader.positive_mpint(kMaxEcdsaScalarBytes);
  auto s = r ? reader.positive_mpint(kMaxEcdsaScalarBytes) : std::nullopt;
  if (!s || !reader.empty()) {
    return "malformed ECDSA signature";
  }
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BnPtr r_bn = to_bignum(*r);
  BnPtr s_bn = to_bignum(*s);
  if (sig == nullptr || r_bn == nullptr || s_bn == nullptr ||
      ECDSA_SIG_set0(sig.get(), r_bn.get(), s_bn.get()) != 1) {
    return "cannot check an ECDSA signature";
  }
  (void)r_bn.release();  // owned by sig now
  (void)s_bn.release();
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_length <= 0) {
    return "cannot check an ECDSA signature";
  }
  const std::unique_ptr<unsigned char, Deleter<free_openssl>> owned(der);
  PkeyPtr pkey = ecdsa_key(key);
  if (pkey == nullptr) {
    return "unusable ECDSA CA key (not a point of its curve)";
  }
  const EVP_MD* md = key.algorithm == KeyAlgorithm::kEcdsaP256   ? EVP_sha256()
                     : key.algorithm == KeyAlgorithm::kEcdsaP384 ? EVP_sha384()
                                                                 : EVP_sha512();
  return digest_verify(pkey.get(), md, Bytes(der, static_cast<size_t>(der_length)), data)
             ? ""
             : "signature does not verify";
}

// RFC 8332 section 3; a signature shorter than the modulus is left-padded with zeros, as
// OpenSSH does (ssh-rsa.c, "openssh_RSA_verify"), one longer refused.
std::string verify_rsa(const PublicKey& key, std::string_view algorithm, Bytes raw, Bytes data) {
  if (raw.size() > key.second.size()) {
    return "rsa signature is longer than the modulus";
  }
  std::vector<uint8_t> padded(key.second.size() - raw.size(), 0);
  padded.insert(padded.end(), raw.begin(), raw.end());
  PkeyPtr pkey = rsa_key(key);
  if (pkey == nullptr) {
    return "unusable ssh-rsa CA key";
  }
  const EVP_MD* md = algorithm == "rsa-sha2-256" ? EVP_sha256() : EVP_sha512();
  return digest_verify(pkey.get(), md, padded, data) ? "" : "signature does not verify";
}

}  // namespace

std::string verify_signature(const PublicKey& key, Bytes signature, Bytes data) {
  WireReader reader(signature);
  auto algorithm = reader.text();
  auto raw = algorithm ? reader.string() : std::nullopt;
  if (!raw || !reader.empty()) {
    return "malformed signature";
  }
  if (key.algorithm == KeyAlgorithm::kRsa) {
    if (*algorithm == "ssh-rsa") {
      return "ssh-rsa (SHA-1) signature refused";
    }
    if (*algorithm != "rsa-sha2-256" && *algorithm != "rsa-sha2-512") {
      return "signature algorithm does not match the CA key";
    }
    return verify_rsa(key, *algorithm, *raw, data);
  }
  if (*algorithm != key_type_name(key.algorithm)) {
    return "signature algorithm does not match the CA key";
  }
  if (key.algorithm == KeyAlgorithm::kEd25519) {
    return verify_ed25519(key, *raw, data);
  }
  return verify_ecdsa(key, *raw, data);
}

}  // namespace gitgate::auth::detail
