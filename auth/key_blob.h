// An SSH public key as the wire carries it (the "key blob", RFC 4253 section 6.6):
// how the server turns what libssh hands it into a blob, and how a blob is named in logs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gitgate::auth {

// The blob from its base64 (as libssh exports a key and OpenSSH writes it); strict
// RFC 4648 base64, nullopt on anything else.
[[nodiscard]] std::optional<std::vector<uint8_t>> decode_key_blob(std::string_view base64);

// The blob as the base64 field of an authorized_keys line (padded, as OpenSSH writes it).
[[nodiscard]] std::string encode_key_blob(std::span<const uint8_t> key_blob);

// OpenSSH's spelling of a key's fingerprint, "SHA256:" + unpadded base64, for logs.
[[nodiscard]] std::string fingerprint(std::span<const uint8_t> key_blob);

}  // namespace gitgate::auth
