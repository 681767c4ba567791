// Object ids as text (hex digits by net/hex.h, the one decoder), and hashing for id sets.
#pragma once

#include <git2.h>

#include <cstring>
#include <string>
#include <string_view>

#include "net/hex.h"

namespace gitgate::git::detail {

using net::hex_value;

// Exactly GIT_OID_HEXSZ hex digits (either case); false for anything else.
bool parse_oid(std::string_view hex, git_oid& out);

std::string to_hex(const git_oid& id);

struct OidHash {
  size_t operator()(const git_oid& id) const {
    size_t h = 0;
    std::memcpy(&h, id.id, sizeof h);
    return h;
  }
};
struct OidEqual {
  bool operator()(const git_oid& a, const git_oid& b) const { return git_oid_equal(&a, &b) != 0; }
};

}  // namespace gitgate::git::detail
