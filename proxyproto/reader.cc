// Connection-side PROXY header reader. The policy (docs/DESIGN.md "Decisions"):
//   off       no byte is looked at; client = peer.
//   optional  the first bytes decide: a v1/v2 header from a trusted peer is consumed,
//             a header from any other peer is refused, anything else is plain SSH
//             (nothing consumed). OpenSSH speaks first, but the SSH spec lets a client
//             wait for the server's banner (ssh-keyscan, some libraries do), so silence
//             until header_timeout means plain SSH without a header; a header cut off
//             by the timeout is still a refusal.
//   required  untrusted peers are refused before any read; a trusted peer must start
//             with a header.
// The bytes are only ever peeked (MSG_PEEK) until the parser has a complete header,
// then exactly header.length bytes are read, so the SSH stream behind it stays intact
// even when it arrived in the same segment. The fd may be blocking or not: every read
// is MSG_DONTWAIT behind poll(), and the one socket option changed while waiting
// (SO_RCVLOWAT) is put back before returning.
#include "proxyproto/reader.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace gitgate::proxyproto {

namespace {

using Clock = std::chrono::steady_clock;

// When poll() says "readable" but no new byte arrived (a socket type that ignores
// SO_RCVLOWAT), wait this long before peeking again instead of spinning.
constexpr std::chrono::milliseconds kNoProgressPause{5};

std::string errno_text(const char* what, int error) {
  return std::string(what) + ": " + std::error_code(error, std::generic_category()).message();
}

// poll() reports a socket readable while any byte is queued, so after peeking a partial
// header it would wake at once and forever. SO_RCVLOWAT makes Linux TCP poll() wait until
// `bytes` are queued (or FIN/error arrives). The original value is restored on
// destruction: the fd is handed on to libssh afterwards.
class ReceiveLowWatermark {
 public:
  explicit ReceiveLowWatermark(int fd) : fd_(fd) {}
  ReceiveLowWatermark(const ReceiveLowWatermark&) = delete;
  ReceiveLowWatermark& operator=(const ReceiveLowWatermark&) = delete;
  ~ReceiveLowWatermark() {
    if (current_ != original_) {
      setsockopt(fd_, SOL_SOCKET, SO_RCVLOWAT, &original_, sizeof original_);
    }
  }

  // Best effort: without it the caller falls back to pausing between peeks.
  void wait_for(size_t bytes) {
    if (!saved_) {
      socklen_t len = sizeof original_;
      if (getsockopt(fd_, SOL_SOCKET, SO_RCVLOWAT, &original_, &len) != 0) {
        return;
      }
      current_ = original_;
      saved_ = true;
    }
    const int want = static_cast<int>(std::min<size_t>(bytes, INT_MAX));
    if (want != current_ && setsockopt(fd_, SOL_SOCKET, SO_RCVLOWAT, &want, sizeof want) == 0) {
      current_ = want;
    }
  }

 private:
  int fd_;
  bool saved_ = false;
  int original_ = 1;
  int current_ = 1;
};

// What the bytes peeked so far decide. Pure: the same bytes always decide the same.
struct NeedBytes {
  size_t at_least = 1;
};
struct AcceptPlain {};
using Decision = std::variant<NeedBytes, AcceptPlain, Header, Refusal>;

Refusal refusal(RefusalReason reason, std::string detail) {
  return Refusal{reason, std::move(detail), {}, {}};
}

// The parser gets at most `cap` bytes (kV1MaxLength or max_v2_length), so a header can
// never make us buffer more; a parser asking for more than that is refused here too.
Decision parse_header(std::span<const uint8_t> bytes, size_t cap, const Policy& policy) {
  const auto capped = bytes.first(std::min(bytes.size(), cap));
  ParseResult parsed = parse(capped, ParseOptions{policy.max_v2_length});
  if (auto* header = std::get_if<Header>(&parsed)) {
    return std::move(*header);
  }
  if (const auto* invalid = std::get_if<Invalid>(&parsed)) {
    return refusal(RefusalReason::kInvalid, invalid->reason);
  }
  const size_t at_least = std::max(std::get<NeedMore>(parsed).at_least, capped.size() + 1);
  if (at_least > cap) {
    return refusal(RefusalReason::kInvalid, "header longer than " + std::to_string(cap) + " bytes");
  }
  return NeedBytes{at_least};
}

Decision decide(std::span<const uint8_t> bytes, bool trusted, const Policy& policy) {
  const Detection detection = detect(bytes);
  switch (detection) {
    case Detection::kNeedMore:
      return NeedBytes{bytes.size() + 1};
    case Detection::kNotProxy:
      if (policy.mode == Mode::kRequired) {
        return refusal(RefusalReason::kHeaderRequired,
                       "connection does not start with a PROXY header");
      }
      return AcceptPlain{};
    case Detection::kV1:
    case Detection::kV2:
      break;
  }
  const bool v1 = detection == Detection::kV1;
  if (!trusted) {
    return refusal(RefusalReason::kUntrustedPeer, std::string("PROXY ") + (v1 ? "v1" : "v2") +
                                                      " header from a peer outside `trusted`");
  }
  return parse_header(bytes, v1 ? kV1MaxLength : policy.max_v2_length, policy);
}

// The socket side of one read_connection_info call.
class Connection {
 public:
  Connection(int fd, const Policy& policy)
      : fd_(fd),
        deadline_(Clock::now() + policy.header_timeout),
        buffer_(std::max(kV1MaxLength, policy.max_v2_length)),
        watermark_(fd) {}

  // Peeks what is queued; an empty span when nothing is (yet).
  std::variant<std::span<const uint8_t>, Refusal> peek() {
    for (;;) {
      const ssize_t n = recv(fd_, buffer_.data(), buffer_.size(), MSG_PEEK | MSG_DONTWAIT);
      if (n > 0) {
        return std::span<const uint8_t>(buffer_.data(), static_cast<size_t>(n));
      }
      if (n == 0) {
        return refusal(RefusalReason::kPeerClosed, "end of stream before a decision");
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return std::span<const uint8_t>();
      }
      if (errno != EINTR) {
        return io_refusal("recv");
      }
    }
  }

  // Waits until `at_least` bytes may be queued, the peer hung up, or the deadline.
  // nullopt: peek again.
  std::optional<Refusal> wait(size_t at_least, size_t have, bool hung_up_before) {
    if (hung_up_before) {  // everything the peer will ever send was in the last peek
      return refusal(RefusalReason::kPeerClosed, "end of stream inside the header");
    }
    watermark_.wait_for(at_least);
    for (;;) {
      const int timeout_ms = remaining_ms();
      if (timeout_ms <= 0) {
        return timeout_refusal(have);
      }
      pollfd pfd{fd_, POLLIN | POLLRDHUP, 0};
      const int rc = poll(&pfd, 1, timeout_ms);
      if (rc < 0 && errno == EINTR) {
        continue;
      }
      if (rc < 0) {
        return io_refusal("poll");
      }
      if (rc == 0) {
        return timeout_refusal(have);
      }
      if ((pfd.revents & POLLNVAL) != 0) {
        return refusal(RefusalReason::kIoError, "poll: not an open socket");
      }
      hung_up_ = (pfd.revents & (POLLRDHUP | POLLHUP)) != 0;
      return std::nullopt;
    }
  }

  // A pause for sockets whose poll() ignores SO_RCVLOWAT, bounded by the deadline.
  void pause_without_progress() const {
    const auto pause = std::min<int>(remaining_ms(), static_cast<int>(kNoProgressPause.count()));
    if (pause > 0) {
      poll(nullptr, 0, pause);
    }
  }

  // Reads exactly `length` bytes, which the last peek showed are queued.
  std::optional<Refusal> consume(size_t length) {
    size_t done = 0;
    while (done < length) {
      const ssize_t n = recv(fd_, buffer_.data(), length - done, MSG_DONTWAIT);
      if (n > 0) {
        done += static_cast<size_t>(n);
      } else if (n == 0) {
        return refusal(RefusalReason::kPeerClosed, "end of stream while consuming the header");
      } else if (errno != EINTR) {
        return io_refusal("recv");
      }
    }
    return std::nullopt;
  }

  [[nodiscard]] bool hung_up() const { return hung_up_; }

 private:
  [[nodiscard]] int remaining_ms() const {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - Clock::now());
    return static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT_MAX));
  }

  static Refusal io_refusal(const char* what) {
    const int error = errno;
    if (error == ECONNRESET) {
      return refusal(RefusalReason::kPeerClosed, "connection reset by peer");
    }
    return refusal(RefusalReason::kIoError, errno_text(what, error));
  }

  static Refusal timeout_refusal(size_t have) {
    if (have == 0) {
      return refusal(RefusalReason::kTimeout, "no data before the header timeout");
    }
    return refusal(RefusalReason::kTimeout,
                   "incomplete header after " + std::to_string(have) + " bytes");
  }

  int fd_;
  Clock::time_point deadline_;
  std::vector<uint8_t> buffer_;
  ReceiveLowWatermark watermark_;
  bool hung_up_ = false;
};

// No header: the socket's own addresses describe the connection.
ConnectionInfo from_socket(const net::SocketAddress& peer, const net::SocketAddress& local) {
  return ConnectionInfo{peer, peer, local, std::nullopt, std::nullopt};
}

// LOCAL, UNKNOWN, UNSPEC and AF_UNIX headers carry no usable IP addresses: the
// connection is described by the socket itself, and the header is kept for the record.
ConnectionInfo with_header(Header header, const net::SocketAddress& peer,
                           const net::SocketAddress& local) {
  ConnectionInfo info = from_socket(peer, local);
  const bool ip_addresses =
      header.family == AddressFamily::kInet || header.family == AddressFamily::kInet6;
  if (header.command == Command::kProxy && ip_addresses) {
    info.client = header.source;
    info.local = header.destination;
    info.load_balancer = peer;
  }
  info.header = std::move(header);
  return info;
}

// Peek, decide, wait for more, until a decision or the deadline.
ReadResult read_header(int fd, const Policy& policy, bool trusted, const net::SocketAddress& peer,
                       const net::SocketAddress& local) {
  Connection connection(fd, policy);
  size_t previous = 0;
  for (;;) {
    auto peeked = connection.peek();
    if (auto* refused = std::get_if<Refusal>(&peeked)) {
      return std::move(*refused);
    }
    const auto bytes = std::get<std::span<const uint8_t>>(peeked);
    Decision decision = bytes.empty() ? Decision(NeedBytes{1}) : decide(bytes, trusted, policy);

    if (auto* header = std::get_if<Header>(&decision)) {
      if (auto refused = connection.consume(header->length)) {
        return std::move(*refused);
      }
      return with_header(std::move(*header), peer, local);
    }
    if (std::holds_alternative<AcceptPlain>(decision)) {
      return from_socket(peer, local);
    }
    if (auto* refused = std::get_if<Refusal>(&decision)) {
      return std::move(*refused);
    }
    if (!bytes.empty() && bytes.size() == previous && !connection.hung_up()) {
      connection.pause_without_progress();
    }
    previous = bytes.size();
    const size_t at_least = std::get<NeedBytes>(decision).at_least;
    if (auto refused = connection.wait(at_least, bytes.size(), connection.hung_up())) {
      if (refused->reason == RefusalReason::kTimeout && bytes.empty() &&
          policy.mode == Mode::kOptional) {
        return from_socket(peer, local);  // a client waiting for us
      }
      return std::move(*refused);
    }
  }
}

std::optional<net::SocketAddress> socket_address(int fd, bool peer_side) {
  sockaddr_storage storage{};
  socklen_t len = sizeof storage;
  auto* sa = reinterpret_cast<sockaddr*>(&storage);
  const int rc = peer_side ? getpeername(fd, sa, &len) : getsockname(fd, sa, &len);
  if (rc != 0) {
    return std::nullopt;
  }
  return net::SocketAddress::from_sockaddr(sa, len);
}

}  // namespace

bool Policy::is_trusted(const net::SocketAddress& peer) const {
  return std::any_of(trusted.begin(), trusted.end(),
                     [&](const net::Cidr& cidr) { return cidr.contains(peer); });
}

std::string_view to_string(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::kTimeout:
      return "timeout";
    case RefusalReason::kInvalid:
      return "invalid header";
    case RefusalReason::kUntrustedPeer:
      return "header from untrusted peer";
    case RefusalReason::kHeaderRequired:
      return "header required";
    case RefusalReason::kPeerClosed:
      return "peer closed";
    case RefusalReason::kIoError:
      return "i/o error";
  }
  return "i/o error";
}

ReadResult read_connection_info(int fd, const Policy& policy) {
  const auto local = socket_address(fd, false);
  if (!local) {
    return refusal(RefusalReason::kIoError, errno_text("getsockname", errno));
  }
  const auto peer = socket_address(fd, true);
  if (!peer) {
    // ENOTCONN: the peer connected and reset before we got here.
    const RefusalReason reason =
        errno == ENOTCONN ? RefusalReason::kPeerClosed : RefusalReason::kIoError;
    return Refusal{reason, errno_text("getpeername", errno), {}, *local};
  }
  if (policy.mode == Mode::kOff) {
    return from_socket(*peer, *local);
  }
  const bool trusted = policy.is_trusted(*peer);
  ReadResult result =
      policy.mode == Mode::kRequired && !trusted
          ? ReadResult(refusal(RefusalReason::kUntrustedPeer, "peer outside `trusted`"))
          : read_header(fd, policy, trusted, *peer, *local);
  if (auto* refused = std::get_if<Refusal>(&result)) {
    refused->peer = *peer;
    refused->local = *local;
  }
  return result;
}

}  // namespace gitgate::proxyproto
