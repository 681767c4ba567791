#include "git/pack/digest.h"

#include <array>

namespace gitgate::git::detail {

Digest::Digest(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
  ok_ = ctx_ != nullptr && EVP_DigestInit_ex(ctx_, md, nullptr) == 1;
}

Digest::~Digest() { EVP_MD_CTX_free(ctx_); }

void Digest::update(const void* data, size_t size) {
  ok_ = ok_ && EVP_DigestUpdate(ctx_, data, size) == 1;
}

std::optional<std::vector<uint8_t>> Digest::finish() {
  std::array<uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned size = 0;
  ok_ = ok_ && EVP_DigestFinal_ex(ctx_, digest.data(), &size) == 1;
  if (!ok_) {
    return std::nullopt;
  }
  return std::vector<uint8_t>(digest.begin(), digest.begin() + size);
}

}  // namespace gitgate::git::detail
