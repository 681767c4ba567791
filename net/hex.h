// Hex digits, as both the PROXY v1 grammar (IPv6 groups) and git's object ids and
// pkt-line lengths spell them.
#pragma once

namespace gitgate::net {

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

}  // namespace gitgate::net
