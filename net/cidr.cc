// Cidr: the "trusted" list of [proxy_protocol] in gitgate.toml.
#include "net/cidr.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace gitgate::net {

namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr int kV4Bits = 32;
constexpr int kV6Bits = 128;
constexpr int kV4MappedPrefixBits = 96;

bool is_v4_mapped(const SocketAddress& address) {
  return address.family == SocketAddress::Family::kIPv6 &&
         std::memcmp(address.ip.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0;
}

// ::ffff:a.b.c.d is an IPv4 peer seen through a dual-stack socket: compare it as IPv4.
SocketAddress unmapped(const SocketAddress& address) {
  if (!is_v4_mapped(address)) {
    return address;
  }
  return SocketAddress::ipv4({address.ip[12], address.ip[13], address.ip[14], address.ip[15]},
                             address.port);
}

// Clears every bit after the first prefix_length bits of ip.
void mask_host_bits(std::array<uint8_t, 16>& ip, int prefix_length) {
  for (size_t i = 0; i < ip.size(); ++i) {
    const int bits_here = std::clamp(prefix_length - static_cast<int>(i) * 8, 0, 8);
    const auto keep = static_cast<uint8_t>(0xff00U >> bits_here);
    ip[i] = static_cast<uint8_t>(ip[i] & keep);
  }
}

// Decimal 0..max only: no sign, no spaces, no hex, at most three digits.
std::optional<int> parse_prefix_length(std::string_view text, int max) {
  if (text.empty() || text.size() > 3) {
    return std::nullopt;
  }
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

// Grammar: ADDRESS [ "/" PREFIX ], ADDRESS an IPv4 dotted quad or an IPv6 address as
// inet_pton(3) accepts it (no zone index), PREFIX decimal 0..32 or 0..128; a bare
// address is a /32 or /128.
//
// Host bits set ("10.1.2.3/8") are accepted and masked off, as OpenSSH's address
// matching does: an operator writing a host inside the range means the range.
// An IPv4-mapped IPv6 range (::ffff:10.0.0.0/104) is stored as the IPv4 range it
// names (10.0.0.0/8), so it matches both spellings of a peer.
std::optional<Cidr> Cidr::parse(std::string_view text) {
  // inet_pton(3) stops at a NUL, so refuse anything outside the grammar's alphabet first.
  const bool in_alphabet = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == '.' || c == ':' || c == '/';
  });
  if (!in_alphabet) {
    return std::nullopt;
  }
  const size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  auto address = SocketAddress::parse_ip(address_text);
  if (!address) {
    return std::nullopt;
  }

  const int max_bits = address->family == SocketAddress::Family::kIPv4 ? kV4Bits : kV6Bits;
  int prefix_length = max_bits;
  if (slash != std::string_view::npos) {
    const auto parsed = parse_prefix_length(text.substr(slash + 1), max_bits);
    if (!parsed) {
      return std::nullopt;
    }
    prefix_length = *parsed;
  }
  if (is_v4_mapped(*address) && prefix_length >= kV4MappedPrefixBits) {
    *address = unmapped(*address);
    prefix_length -= kV4MappedPrefixBits;
  }

  Cidr cidr;
  cidr.network_ = *address;
  cidr.network_.port = 0;
  mask_host_bits(cidr.network_.ip, prefix_length);
  cidr.prefix_length_ = prefix_length;
  return cidr;
}

bool Cidr::contains(const SocketAddress& address) const {
  const SocketAddress candidate = unmapped(address);
  if (candidate.family != network_.family) {
    return false;
  }
  if (candidate.family != SocketAddress::Family::kIPv4 &&
      candidate.family != SocketAddress::Family::kIPv6) {
    return false;
  }
  std::array<uint8_t, 16> masked = candidate.ip;
  mask_host_bits(masked, prefix_length_);
  return masked == network_.ip;
}

std::string Cidr::to_string() const {
  return network_.ip_string() + "/" + std::to_string(prefix_length_);
}

}  // namespace gitgate::net
