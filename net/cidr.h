// An address range of the "trusted" list: which peers may send a PROXY header.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "net/socket_address.h"

namespace gitgate::net {

// "10.0.0.0/8", "::1/128", "fc00::/7"; an IPv4-mapped IPv6 address matches IPv4 ranges.
class Cidr {
 public:
  static std::optional<Cidr> parse(std::string_view text);
  [[nodiscard]] bool contains(const SocketAddress& address) const;
  [[nodiscard]] std::string to_string() const;

 private:
  SocketAddress network_;
  int prefix_length_ = 0;
};

}  // namespace gitgate::net
