#include "net/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace gitgate::net {

namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string format_ipv6(const std::array<uint8_t, 16>& ip) {
  std::array<uint16_t, 8> groups{};
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i] = static_cast<uint16_t>((ip[2 * i] << 8) | ip[2 * i + 1]);
  }
  // RFC 5952 4.2: compress the longest run (>= 2 groups) of zeros, first on ties.
  int best_start = -1;
  int best_len = 1;
  for (int i = 0; i < 8;) {
    if (groups[static_cast<size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[static_cast<size_t>(j)] == 0) {
      ++j;
    }
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  // RFC 5952 5: IPv4-mapped addresses keep the dotted quad.
  if (std::memcmp(ip.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0) {
    char v4[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, ip.data() + 12, v4, sizeof v4);
    return std::string("::ffff:") + v4;
  }
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') {
      out += ':';
    }
    std::snprintf(buf, sizeof buf, "%x", groups[static_cast<size_t>(i)]);
    out += buf;
  }
  return out;
}

}  // namespace

SocketAddress SocketAddress::ipv4(std::array<uint8_t, 4> octets, uint16_t port) {
  SocketAddress a;
  a.family = Family::kIPv4;
  std::memcpy(a.ip.data(), octets.data(), octets.size());
  a.port = port;
  return a;
}

SocketAddress SocketAddress::ipv6(const std::array<uint8_t, 16>& bytes, uint16_t port) {
  SocketAddress a;
  a.family = Family::kIPv6;
  a.ip = bytes;
  a.port = port;
  return a;
}

SocketAddress SocketAddress::from_sockaddr(const sockaddr* sa, socklen_t len) {
  if (sa == nullptr) {
    return {};
  }
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, sa, sizeof in);
    std::array<uint8_t, 4> octets{};
    std::memcpy(octets.data(), &in.sin_addr, 4);
    return ipv4(octets, ntohs(in.sin_port));
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, sa, sizeof in6);
    std::array<uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), &in6.sin6_addr, 16);
    if (std::memcmp(bytes.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0) {
      return ipv4({bytes[12], bytes[13], bytes[14], bytes[15]}, ntohs(in6.sin6_port));
    }
    return ipv6(bytes, ntohs(in6.sin6_port));
  }
  if (sa->sa_family == AF_UNIX) {
    SocketAddress a;
    a.family = Family::kUnix;
    // The path fills what is left of len (an unnamed socket has none), NUL-terminated or not.
    const auto offset = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path));
    if (len > offset) {
      sockaddr_un un{};
      std::memcpy(&un, sa, std::min(static_cast<size_t>(len), sizeof un));
      const size_t max = std::min(static_cast<size_t>(len - offset), sizeof un.sun_path);
      a.unix_path.assign(un.sun_path, strnlen(un.sun_path, max));
    }
    return a;
  }
  return {};
}

std::optional<SocketAddress> SocketAddress::parse_ip(std::string_view text, uint16_t port) {
  // inet_pton stops at a NUL, so "10.0.0.1\0junk" would otherwise parse.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN ||
      text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string s(text);
  std::array<uint8_t, 16> bytes{};
  if (inet_pton(AF_INET, s.c_str(), bytes.data()) == 1) {
    return ipv4({bytes[0], bytes[1], bytes[2], bytes[3]}, port);
  }
  if (inet_pton(AF_INET6, s.c_str(), bytes.data()) == 1) {
    return ipv6(bytes, port);
  }
  return std::nullopt;
}

std::string SocketAddress::ip_string() const {
  switch (family) {
    case Family::kIPv4: {
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, ip.data(), buf, sizeof buf);
      return buf;
    }
    case Family::kIPv6:
      return format_ipv6(ip);
    case Family::kUnix:
      return unix_path.empty() ? "unix" : "unix:" + unix_path;
    case Family::kNone:
      break;
  }
  return "-";
}

std::string SocketAddress::to_string() const {
  switch (family) {
    case Family::kIPv4:
      return ip_string() + ":" + std::to_string(port);
    case Family::kIPv6:
      return "[" + ip_string() + "]:" + std::to_string(port);
    default:
      return ip_string();
  }
}

}  // namespace gitgate::net
