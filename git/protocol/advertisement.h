// The reference advertisement of protocol v0/v1 (gitprotocol-pack "Reference Discovery").
#pragma once

#include <string>
#include <string_view>

#include "git/pack/refs.h"

namespace gitgate::git::detail {

// Our agent capability, the same for every service (gitprotocol-capabilities "agent").
inline constexpr std::string_view kAgentCapability = "agent=gitgate/0.1";

// The capability list we advertise on the first line.
std::string advertised_capabilities(const RefSet& refs);

// The advertisement as pkt-lines, ending with a flush:
//   advertised-refs  =  empty-list / list-of-refs   (empty-list: "capabilities^{}")
//   first-ref        =  PKT-LINE(obj-id SP refname NUL capability-list)
//   other-peeled     =  PKT-LINE(obj-id SP refname "^{}")
std::string encode_advertisement(const RefSet& refs, std::string_view capabilities);

}  // namespace gitgate::git::detail
