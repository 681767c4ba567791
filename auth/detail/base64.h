// Standard base64 (RFC 4648 section 4), as OpenSSH writes key blobs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gitgate::auth::detail {

// Strict: the standard alphabet, length a multiple of 4, '=' padding only at the
// end, no whitespace, and unused trailing bits zero (so each blob has exactly
// one spelling). nullopt on anything else.
[[nodiscard]] std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

// With '=' padding; `pad = false` drops it (OpenSSH's "SHA256:..." fingerprints).
[[nodiscard]] std::string base64_encode(std::span<const uint8_t> bytes, bool pad = true);

}  // namespace gitgate::auth::detail
