// PROXY protocol v2 (the binary header, spec section 2.2).
#pragma once

#include <cstdint>
#include <span>

#include "proxyproto/proxy_protocol.h"

namespace gitgate::proxyproto::detail {

// Parses a v2 header at the start of `bytes`, which start with (a prefix of) the signature.
[[nodiscard]] ParseResult parse_v2(std::span<const uint8_t> bytes, const ParseOptions& options);

}  // namespace gitgate::proxyproto::detail
