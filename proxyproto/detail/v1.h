// PROXY protocol v1 (the human-readable line, spec section 2.1).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "proxyproto/proxy_protocol.h"

namespace gitgate::proxyproto::detail {

// Parses a v1 line at the start of `bytes`.
[[nodiscard]] ParseResult parse_v1(std::span<const uint8_t> bytes);

// Address and port grammars of the v1 line. Each returns an empty string_view when `text` is
// valid (complete) or can still become valid (!complete), else why not. `out` may be null.
[[nodiscard]] std::string_view check_ipv4(std::string_view text, bool complete,
                                          std::array<uint8_t, 4>* out);
[[nodiscard]] std::string_view check_ipv6(std::string_view text, bool complete,
                                          std::array<uint8_t, 16>* out);
[[nodiscard]] std::string_view check_port(std::string_view text, bool complete, uint16_t* out);

}  // namespace gitgate::proxyproto::detail
