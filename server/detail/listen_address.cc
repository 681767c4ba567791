#include "server/detail/listen_address.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>

namespace gitgate::server::detail {
namespace {

// "0.0.0.0", "::1": IP literals only, so a listen address never depends on DNS.
// Returns the canonical spelling (inet_ntop), or nullopt.
std::optional<std::string> canonical_ip(std::string_view text, bool v6) {
  const std::string copy(text);  // inet_pton wants a C string
  std::array<uint8_t, 16> bytes{};
  const int family = v6 ? AF_INET6 : AF_INET;
  if (copy.find('\0') != std::string::npos || inet_pton(family, copy.c_str(), bytes.data()) != 1) {
    return std::nullopt;
  }
  std::array<char, INET6_ADDRSTRLEN> out{};
  if (inet_ntop(family, bytes.data(), out.data(), out.size()) == nullptr) {
    return std::nullopt;
  }
  return std::string(out.data());
}

}  // namespace

// listen-address = IPv4address ":" port / "[" IPv6address "]" ":" port
// port = 1*5DIGIT, 0..65535; 0 asks the kernel for a free port (tests, side-by-side
// benchmarks), and the server logs the port it got ("listening on ...").
std::variant<ListenAddress, std::string> parse_listen(std::string_view text) {
  const std::string why = fmt::format(
      "'{}' is not host:port with an IP address, e.g. \"0.0.0.0:7999\" or \"[::]:7999\"", text);
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return why;
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  const bool v6 = host.starts_with('[') && host.ends_with(']') && host.size() >= 2;
  if (v6) {
    host = host.substr(1, host.size() - 2);
  }
  auto ip = canonical_ip(host, v6);
  if (!ip) {
    return why;
  }
  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || port_text.size() > 5 || ec != std::errc{} || ptr != end ||
      port_text.front() == '+') {
    return why;
  }
  if (port > 65535) {
    return fmt::format("port {} in '{}' is not within 0-65535", port, text);
  }
  return ListenAddress{*ip, static_cast<uint16_t>(port)};
}

}  // namespace gitgate::server::detail
