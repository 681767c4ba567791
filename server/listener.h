// The accept side of the server: listening sockets and the accept loop. The
// connection limits are server/admission.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "net/socket_address.h"
#include "server/config.h"

namespace gitgate::server {

// "127.0.0.1:7999", "[::]:7999".
[[nodiscard]] std::string format_listen_address(const ListenAddress& address);

struct BoundSocket {
  int fd = -1;
  net::SocketAddress address;  // with the real port (port 0 resolved)
};

// Binds and listens on every address (SO_REUSEADDR; IPV6_V6ONLY for IPv6 so that
// "0.0.0.0:p" and "[::]:p" can both be listed). On failure closes what it opened.
[[nodiscard]] std::variant<std::vector<BoundSocket>, std::string> bind_listeners(
    const std::vector<ListenAddress>& addresses);

// The accept loop: poll over the listening sockets and a self-pipe that stop() writes to.
class Listener {
 public:
  using AcceptFunction = std::function<void(int fd, const net::SocketAddress& peer)>;

  explicit Listener(std::vector<BoundSocket> sockets);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  [[nodiscard]] bool ok() const { return wake_read_ >= 0; }
  [[nodiscard]] const std::vector<BoundSocket>& sockets() const { return sockets_; }

  // Accepts until stop(); on_accept owns each accepted fd.
  void run(const AcceptFunction& on_accept);
  // Thread-safe (one write to a pipe).
  void stop();
  // Closes the listening sockets, so that new connections are refused at once rather
  // than left waiting in the backlog while sessions finish.
  void close_sockets();

 private:
  std::vector<BoundSocket> sockets_;
  int wake_read_ = -1;
  int wake_write_ = -1;
};

}  // namespace gitgate::server
