// PROXY protocol v2 TLVs (spec sections 2.2.1-2.2.8) and the SSL sub-TLVs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "proxyproto/proxy_protocol.h"

namespace gitgate::proxyproto::detail {

inline constexpr size_t kTlvHeaderLength = 3;  // type, length_hi, length_lo
inline constexpr size_t kSslFixedLength = 5;   // client, verify

struct TlvCheck {
  size_t count = 0;   // TLVs found, when valid
  std::string error;  // empty when valid
};

// Walks header[begin, header.size()) as TLVs and validates what the spec constrains: bounds,
// the CRC32C (4 bytes, at most one, matching the header with its field zeroed), UNIQUE_ID (at
// most 128 bytes), SSL (client, verify and well-formed sub-TLVs). Allocates only on error.
[[nodiscard]] TlvCheck check_tlvs(std::span<const uint8_t> header, size_t begin);

// The `count` TLVs of header[begin, ...), already validated by check_tlvs.
[[nodiscard]] std::vector<Tlv> collect_tlvs(std::span<const uint8_t> header, size_t begin,
                                            size_t count);

// The value of a PP2_TYPE_SSL TLV; nullopt when malformed.
[[nodiscard]] std::optional<SslInfo> parse_ssl(std::span<const uint8_t> value);

}  // namespace gitgate::proxyproto::detail
