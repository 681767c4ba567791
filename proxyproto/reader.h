// Connection-side PROXY header reader: applies the policy (mode x trusted CIDRs x
// timeout) to an accepted socket and consumes exactly the header's bytes, so the
// stream behind it (SSH) is untouched.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "proxyproto/address.h"
#include "proxyproto/proxy_protocol.h"

namespace gitgate::proxyproto {

enum class Mode : uint8_t { kOff, kOptional, kRequired };

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

struct Policy {
  Mode mode = Mode::kOptional;
  std::vector<Cidr> trusted;
  std::chrono::milliseconds header_timeout{5000};
  size_t max_v2_length = kV2DefaultMaxLength;

  [[nodiscard]] bool is_trusted(const SocketAddress& peer) const;
};

struct ConnectionInfo {
  SocketAddress client;  // the real client: header source, or the peer without one
  SocketAddress peer;    // the TCP peer (the balancer when a header was received)
  SocketAddress local;   // header destination, or the socket's own address
  std::optional<Header> header;
};

enum class RefusalReason : uint8_t {
  kTimeout,         // no (complete) header within header_timeout
  kInvalid,         // malformed header; detail says why
  kUntrustedPeer,   // a header (or, in required mode, any connection) from an untrusted peer
  kHeaderRequired,  // required mode, trusted peer, no header
  kPeerClosed,      // EOF before a decision
  kIoError,
};

struct Refusal {
  RefusalReason reason = RefusalReason::kIoError;
  std::string detail;
  SocketAddress peer;
  SocketAddress local;
};

[[nodiscard]] std::string_view to_string(RefusalReason reason);

using ReadResult = std::variant<ConnectionInfo, Refusal>;

// Blocks at most policy.header_timeout. Leaves fd positioned right after the header.
[[nodiscard]] ReadResult read_connection_info(int fd, const Policy& policy);

}  // namespace gitgate::proxyproto
