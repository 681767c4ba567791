// The "source-address" critical option of a user certificate (PROTOCOL.certkeys:
// "Comma-separated list of source addresses from which this certificate is accepted ...
// in CIDR format (nn.nn.nn.nn/nn or hhhh::hhhh/nn)"), matched as OpenSSH's
// addr_match_cidr_list() (addrmatch.c) matches it.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "net/cidr.h"
#include "net/socket_address.h"

namespace gitgate::auth::detail {

// The list, or nullopt when OpenSSH would call it invalid (and refuse the certificate):
// an empty entry, an entry longer than INET6_ADDRSTRLEN + 3 (49) characters or holding a
// character outside "0-9a-fA-F.:/", an unparsable address or prefix length, or host bits
// set beyond the prefix ("10.0.0.1/8": OpenSSH's "inconsistent mask length"). A bare
// address is a /32 or /128. No negation ('!'): OpenSSH allows none in this list.
[[nodiscard]] std::optional<std::vector<net::Cidr>> parse_source_addresses(std::string_view list);

// Whether any entry holds address. An IPv4-mapped IPv6 client address counts as the IPv4
// address it carries (net/cidr.h).
[[nodiscard]] bool source_address_matches(const std::vector<net::Cidr>& list,
                                          const net::SocketAddress& address);

}  // namespace gitgate::auth::detail
