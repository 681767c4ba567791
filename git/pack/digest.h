// An OpenSSL message digest (SHA-1 for pack trailers, SHA-256 for cache keys) over a
// stream of pieces.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace gitgate::git::detail {

class Digest {
 public:
  explicit Digest(const EVP_MD* md);  // EVP_sha1(), EVP_sha256()
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  // False once OpenSSL has failed; everything after that is ignored.
  bool ok() const { return ok_; }
  void update(const void* data, size_t size);
  // The digest of everything so far, or nullopt if OpenSSL failed. Only once.
  std::optional<std::vector<uint8_t>> finish();

 private:
  EVP_MD_CTX* ctx_;
  bool ok_ = false;
};

}  // namespace gitgate::git::detail
