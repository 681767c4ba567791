// Object ids as text: the one hex decoder of git/, and hashing for id sets.
#pragma once

#include <git2.h>

#include <cstring>
#include <string>
#include <string_view>

namespace gitgate::git::detail {

// The value of one hex digit, -1 for any other byte. Both cases, as git's hexval().
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

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
