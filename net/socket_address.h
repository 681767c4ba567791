// An IP (or unix) socket address as gitgate carries it from the PROXY header or
// the socket to the access log.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gitgate::net {

struct SocketAddress {
  enum class Family : uint8_t { kNone, kIPv4, kIPv6, kUnix };

  Family family = Family::kNone;
  // Network byte order; an IPv4 address uses the first 4 bytes.
  std::array<uint8_t, 16> ip{};
  uint16_t port = 0;
  // Only for kUnix (v2 AF_UNIX blocks carry 108-byte paths).
  std::string unix_path;

  static SocketAddress ipv4(std::array<uint8_t, 4> octets, uint16_t port);
  static SocketAddress ipv6(const std::array<uint8_t, 16>& bytes, uint16_t port);
  // From getpeername()/getsockname(); an IPv4-mapped IPv6 address becomes IPv4.
  static SocketAddress from_sockaddr(const sockaddr* sa, socklen_t len);
  // "1.2.3.4" or "2001:db8::1" (no port, no brackets).
  static std::optional<SocketAddress> parse_ip(std::string_view text, uint16_t port = 0);

  // RFC 5952 for IPv6 (lower case, longest run of two or more zero groups as
  // "::", leftmost on ties), dotted quad for IPv4, "-" for kNone.
  [[nodiscard]] std::string ip_string() const;
  // "1.2.3.4:22" / "[2001:db8::1]:22".
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const SocketAddress&, const SocketAddress&) = default;
};

}  // namespace gitgate::net
