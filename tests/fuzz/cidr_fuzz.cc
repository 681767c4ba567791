// Cidr::parse on arbitrary text: never crashes, and whatever it accepts has a
// canonical form that parses back to itself and contains its own network address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/cidr.h"
#include "net/socket_address.h"

using gitgate::net::Cidr;
using gitgate::net::SocketAddress;

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto cidr = Cidr::parse(text);
  if (!cidr) {
    return 0;
  }
  const std::string canonical = cidr->to_string();
  const auto again = Cidr::parse(canonical);
  if (!again || again->to_string() != canonical) {
    std::abort();
  }
  const auto network = SocketAddress::parse_ip(canonical.substr(0, canonical.find('/')));
  if (!network || !cidr->contains(*network)) {
    std::abort();
  }
  return 0;
}
