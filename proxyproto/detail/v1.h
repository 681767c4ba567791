// PROXY protocol v1 (the human-readable line, spec section 2.1).
#pragma once

#include <cstdint>
#include <span>

#include "proxyproto/proxy_protocol.h"

namespace gitgate::proxyproto::detail {

// Parses a v1 line at the start of `bytes`.
[[nodiscard]] ParseResult parse_v1(std::span<const uint8_t> bytes);

}  // namespace gitgate::proxyproto::detail
