// The address and port grammars of the PROXY v1 line (spec section 2.1), checked a byte at a
// time as the line arrives: a field that is not complete yet must still be able to become valid.
//
//   ipv4 = 4 decimal numbers 0-255 joined by ".", no heading zeroes
//   ipv6 = RFC 4291 2.2 text form (1-4 hex digits a group, one "::", dotted-quad tail)
//   port = decimal 0-65535, no heading zeroes
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace gitgate::proxyproto::detail {

// Address and port grammars of the v1 line. Each returns an empty string_view when `text` is
// valid (complete) or can still become valid (!complete), else why not. `out` may be null.
[[nodiscard]] std::string_view check_ipv4(std::string_view text, bool complete,
                                          std::array<uint8_t, 4>* out);
[[nodiscard]] std::string_view check_ipv6(std::string_view text, bool complete,
                                          std::array<uint8_t, 16>* out);
[[nodiscard]] std::string_view check_port(std::string_view text, bool complete, uint16_t* out);

}  // namespace gitgate::proxyproto::detail
