// Small helpers shared by the v1, v2 and TLV parsers.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

#include "net/socket_address.h"

namespace gitgate::proxyproto::detail {

// An IPv6 address as the header states it; IPv4-mapped ones (::ffff:a.b.c.d) become IPv4, as
// net::SocketAddress::from_sockaddr does for the socket's addresses, so both sources compare alike.
inline net::SocketAddress ipv6_address(const std::array<uint8_t, 16>& bytes, uint16_t port) {
  constexpr std::array<uint8_t, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  bool mapped = true;
  for (size_t i = 0; i < kMapped.size(); ++i) mapped = mapped && bytes[i] == kMapped[i];
  if (mapped) return net::SocketAddress::ipv4({bytes[12], bytes[13], bytes[14], bytes[15]}, port);
  return net::SocketAddress::ipv6(bytes, port);
}

// "0x1f": for reasons that name a byte.
inline std::string hex(uint32_t value) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "0x%02x", value);
  return buf.data();
}

inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace gitgate::proxyproto::detail
