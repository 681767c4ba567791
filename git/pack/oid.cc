#include "git/pack/oid.h"

#include <algorithm>

namespace gitgate::git::detail {

bool parse_oid(std::string_view hex, git_oid& out) {
  if (hex.size() != GIT_OID_HEXSZ ||
      !std::all_of(hex.begin(), hex.end(), [](char c) { return hex_value(c) >= 0; })) {
    return false;
  }
  return git_oid_fromstrn(&out, hex.data(), hex.size()) == 0;
}

std::string to_hex(const git_oid& id) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, &id);
  return hex;
}

}  // namespace gitgate::git::detail
