#include "proxyproto/detail/v1_address.h"

#include "net/hex.h"

namespace gitgate::proxyproto::detail {

std::string_view check_ipv4(std::string_view text, bool complete, std::array<uint8_t, 4>* out) {
  size_t octet = 0;
  unsigned value = 0;
  size_t digits = 0;
  for (char ch : text) {
    if (ch == '.') {
      if (digits == 0) {
        return "empty number in IPv4 address";
      }
      if (octet == 3) {
        return "more than 4 numbers in IPv4 address";
      }
      if (out != nullptr) {
        (*out)[octet] = static_cast<uint8_t>(value);
      }
      ++octet;
      value = 0;
      digits = 0;
      continue;
    }
    if (ch < '0' || ch > '9') {
      return "unexpected character in IPv4 address";
    }
    if (digits == 1 && value == 0) {
      return "heading zero in IPv4 address";
    }
    value = value * 10 + static_cast<unsigned>(ch - '0');
    ++digits;
    if (value > 255) {
      return "number above 255 in IPv4 address";
    }
  }
  if (!complete) {
    return {};
  }
  if (octet != 3 || digits == 0) {
    return "IPv4 address needs 4 numbers";
  }
  if (out != nullptr) {
    (*out)[3] = static_cast<uint8_t>(value);
  }
  return {};
}

std::string_view check_port(std::string_view text, bool complete, uint16_t* out) {
  unsigned value = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch < '0' || ch > '9') {
      return "unexpected character in port";
    }
    if (i == 1 && text[0] == '0') {
      return "heading zero in port";
    }
    value = value * 10 + static_cast<unsigned>(ch - '0');
    if (value > 65535) {
      return "port above 65535";
    }
  }
  if (complete && text.empty()) {
    return "empty port";
  }
  if (out != nullptr) {
    *out = static_cast<uint16_t>(value);
  }
  return {};
}

namespace {

// The colon-separated hex groups of an IPv6 address (without a dotted-quad tail).
struct Groups {
  std::array<uint16_t, 8> values{};
  size_t count = 0;
  int gap = -1;          // index in values where "::" stands, or -1
  bool pending = false;  // ends in a single ':' (incomplete text): one more group must come
};

std::string_view split_groups(std::string_view text, bool complete, Groups* g) {
  size_t i = 0;
  if (text.starts_with("::")) {
    g->gap = 0;
    i = 2;
  } else if (text.starts_with(":")) {
    if (text.size() == 1 && !complete) {
      g->pending = true;
      return {};
    }
    return "IPv6 address starts with a single colon";
  }
  while (i < text.size()) {
    const size_t start = i;
    unsigned value = 0;
    for (; i < text.size() && net::hex_value(text[i]) >= 0; ++i) {
      if (i - start == 4) {
        return "IPv6 group longer than 4 hex digits";
      }
      value = value * 16 + static_cast<unsigned>(net::hex_value(text[i]));
    }
    if (i == start) {
      return "unexpected character in IPv6 address";
    }
    if (g->count == 8) {
      return "too many groups in IPv6 address";
    }
    g->values[g->count++] = static_cast<uint16_t>(value);
    if (i == text.size()) {
      break;
    }
    if (text[i] != ':') {
      return "unexpected character in IPv6 address";
    }
    ++i;
    if (i < text.size() && text[i] == ':') {
      if (g->gap >= 0) {
        return "more than one \"::\" in IPv6 address";
      }
      g->gap = static_cast<int>(g->count);
      ++i;
    } else if (i == text.size()) {
      if (complete) {
        return "IPv6 address ends with a single colon";
      }
      g->pending = true;
    }
  }
  return {};
}

}  // namespace

std::string_view check_ipv6(std::string_view text, bool complete, std::array<uint8_t, 16>* out) {
  // A dotted quad, if any, follows the last colon; the head keeps a "::" that precedes it.
  std::string_view head = text;
  std::string_view tail;
  const size_t dot = text.find('.');
  const bool has_tail = dot != std::string_view::npos;
  if (has_tail) {
    const size_t colon = text.rfind(':', dot);
    if (colon == std::string_view::npos) {
      return "not an IPv6 address";
    }
    if (colon == 0) {
      return "IPv6 address starts with a single colon";
    }
    head = text.substr(0, text[colon - 1] == ':' ? colon + 1 : colon);
    tail = text.substr(colon + 1);
  }
  Groups g;
  std::string_view why = split_groups(head, complete || has_tail, &g);
  if (!why.empty()) {
    return why;
  }
  std::array<uint8_t, 4> v4{};
  if (has_tail) {
    why = check_ipv4(tail, complete, &v4);
    if (!why.empty()) {
      return why;
    }
  }
  // Groups the address has room for; "::" stands for at least one zero group.
  const size_t room = (has_tail ? 6 : 8) - (g.gap >= 0 ? 1 : 0);
  if (g.count + (g.pending ? 1 : 0) > room) {
    return "too many groups in IPv6 address";
  }
  if (!complete) {
    return {};
  }
  if (g.gap < 0 && g.count != room) {
    return "IPv6 address needs 8 groups";
  }
  if (out == nullptr) {
    return {};
  }
  std::array<uint16_t, 8> groups{};
  const size_t before = g.gap < 0 ? g.count : static_cast<size_t>(g.gap);
  const size_t after = g.count - before;
  const size_t total = has_tail ? 6 : 8;
  for (size_t i = 0; i < before; ++i) {
    groups[i] = g.values[i];
  }
  for (size_t i = 0; i < after; ++i) {
    groups[total - after + i] = g.values[before + i];
  }
  for (size_t i = 0; i < total; ++i) {
    (*out)[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
    (*out)[2 * i + 1] = static_cast<uint8_t>(groups[i] & 0xff);
  }
  if (has_tail) {
    std::copy(v4.begin(), v4.end(), out->begin() + 12);
  }
  return {};
}

}  // namespace gitgate::proxyproto::detail
