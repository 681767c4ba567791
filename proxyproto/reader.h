// Connection-side PROXY header reader: applies the policy (mode x trusted CIDRs x
// timeout) to an accepted socket and consumes exactly the header's bytes, so the
// stream behind it (SSH) is untouched.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "net/cidr.h"
#include "net/socket_address.h"
#include "proxyproto/proxy_protocol.h"

namespace gitgate::proxyproto {

enum class Mode : uint8_t { kOff, kOptional, kRequired };

struct Policy {
  Mode mode = Mode::kOptional;
  std::vector<net::Cidr> trusted;
  std::chrono::milliseconds header_timeout{5000};
  size_t max_v2_length = kV2DefaultMaxLength;

  [[nodiscard]] bool is_trusted(const net::SocketAddress& peer) const;
};

struct ConnectionInfo {
  net::SocketAddress client;  // the real client: header source, or the peer without one
  net::SocketAddress peer;    // the TCP peer (the balancer when a header was received)
  net::SocketAddress local;   // header destination, or the socket's own address
  std::optional<Header> header;
  // The balancer's address (the peer) when the header named a real client: a PROXY
  // command with TCP/UDP over IPv4 or IPv6. Unset without a header and for LOCAL, v1
  // UNKNOWN and AF_UNIX/unspecified headers, which leave the socket's addresses in place.
  // Decided here, once; the logs and admission read it.
  std::optional<net::SocketAddress> load_balancer;
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
  net::SocketAddress peer;
  net::SocketAddress local;
};

[[nodiscard]] std::string_view to_string(RefusalReason reason);

using ReadResult = std::variant<ConnectionInfo, Refusal>;

// Blocks at most policy.header_timeout. Leaves fd positioned right after the header.
[[nodiscard]] ReadResult read_connection_info(int fd, const Policy& policy);

}  // namespace gitgate::proxyproto
