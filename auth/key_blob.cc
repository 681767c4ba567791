#include "auth/key_blob.h"

#include "auth/detail/authorized_key.h"
#include "auth/detail/base64.h"

namespace gitgate::auth {

std::optional<std::vector<uint8_t>> decode_key_blob(std::string_view base64) {
  return detail::base64_decode(base64);
}

std::string encode_key_blob(std::span<const uint8_t> key_blob) {
  return detail::base64_encode(key_blob, /*pad=*/true);
}

std::string fingerprint(std::span<const uint8_t> key_blob) {
  const std::string digest = detail::sha256_raw(key_blob);
  return "SHA256:" +
         detail::base64_encode({reinterpret_cast<const uint8_t*>(digest.data()), digest.size()},
                               /*pad=*/false);
}

}  // namespace gitgate::auth
