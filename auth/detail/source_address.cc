#include "auth/detail/source_address.h"

#include <algorithm>
#include <charconv>

namespace gitgate::auth::detail {
namespace {

// addrmatch.c: "Stop junk from reaching getaddrinfo. +3 is for masklen".
constexpr size_t kMaxEntryLength = 46 + 3;  // INET6_ADDRSTRLEN + 3
constexpr std::string_view kCidrCharacters = "0123456789abcdefABCDEF.:/";

// OpenSSH's addr_host_is_all0s(): no bit of the address after the prefix may be set.
bool host_bits_clear(std::string_view entry) {
  const size_t slash = entry.find('/');
  auto address = net::SocketAddress::parse_ip(entry.substr(0, slash));
  if (!address) {
    return false;
  }
  const int bits = address->family == net::SocketAddress::Family::kIPv4 ? 32 : 128;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    const std::string_view text = entry.substr(slash + 1);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), prefix);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return false;
    }
  }
  for (int bit = std::max(prefix, 0); bit < bits; ++bit) {
    const auto byte = static_cast<size_t>(bit / 8);
    const auto mask = static_cast<uint8_t>(0x80U >> static_cast<unsigned>(bit % 8));
    if ((address->ip.at(byte) & mask) != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::vector<net::Cidr>> parse_source_addresses(std::string_view list) {
  std::vector<net::Cidr> entries;
  size_t start = 0;
  for (;;) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string_view entry = list.substr(start, comma - start);
    if (entry.empty() || entry.size() > kMaxEntryLength ||
        entry.find_first_not_of(kCidrCharacters) != std::string_view::npos) {
      return std::nullopt;
    }
    auto cidr = net::Cidr::parse(entry);
    if (!cidr || !host_bits_clear(entry)) {
      return std::nullopt;
    }
    entries.push_back(*cidr);
    if (comma == list.size()) {
      return entries;
    }
    start = comma + 1;
  }
}

bool source_address_matches(const std::vector<net::Cidr>& list, const net::SocketAddress& address) {
  return std::any_of(list.begin(), list.end(),
                     [&](const net::Cidr& cidr) { return cidr.contains(address); });
}

}  // namespace gitgate::auth::detail
