#include "server/listener.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <thread>

namespace gitgate::server {
namespace {

constexpr int kListenBacklog = 512;
// After accept() fails for lack of descriptors or memory, wait before polling again
// instead of spinning on a socket that stays readable.
constexpr std::chrono::milliseconds kAcceptBackoff{100};

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::variant<BoundSocket, std::string> bind_one(const ListenAddress& address) {
  const std::string shown = format_listen_address(address);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  const int gai = getaddrinfo(address.host.empty() ? nullptr : address.host.c_str(), port.c_str(),
                              &hints, &found);
  if (gai != 0) {
    return "cannot resolve " + shown + ": " + gai_strerror(gai);
  }
  std::string error = "no address for " + shown;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      error = "socket for " + shown + ": " + errno_text(errno);
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6) {
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, kListenBacklog) != 0) {
      error = "cannot listen on " + shown + ": " + errno_text(errno);
      close(fd);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    freeaddrinfo(found);
    return BoundSocket{
        fd, net::SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&bound), length)};
  }
  freeaddrinfo(found);
  return error;
}

}  // namespace

std::string format_listen_address(const ListenAddress& address) {
  if (address.host.find(':') != std::string::npos) {
    return "[" + address.host + "]:" + std::to_string(address.port);
  }
  return address.host + ":" + std::to_string(address.port);
}

std::variant<std::vector<BoundSocket>, std::string> bind_listeners(
    const std::vector<ListenAddress>& addresses) {
  std::vector<BoundSocket> sockets;
  for (const ListenAddress& address : addresses) {
    auto bound = bind_one(address);
    if (auto* error = std::get_if<std::string>(&bound)) {
      for (const BoundSocket& socket : sockets) {
        close(socket.fd);
      }
      return std::move(*error);
    }
    sockets.push_back(std::get<BoundSocket>(bound));
  }
  return sockets;
}

Listener::Listener(std::vector<BoundSocket> sockets) : sockets_(std::move(sockets)) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    wake_read_ = fds[0];
    wake_write_ = fds[1];
  }
}

Listener::~Listener() {
  close_sockets();
  if (wake_read_ >= 0) {
    close(wake_read_);
    close(wake_write_);
  }
}

void Listener::close_sockets() {
  for (BoundSocket& socket : sockets_) {
    if (socket.fd >= 0) {
      close(socket.fd);
      socket.fd = -1;
    }
  }
}

void Listener::stop() {
  const char byte = 's';
  // A full pipe already holds a wake-up, so a failed write loses nothing.
  [[maybe_unused]] const ssize_t written = ::write(wake_write_, &byte, 1);
}

void Listener::run(const AcceptFunction& on_accept) {
  std::vector<pollfd> fds;
  fds.push_back(pollfd{wake_read_, POLLIN, 0});
  for (const BoundSocket& socket : sockets_) {
    fds.push_back(pollfd{socket.fd, POLLIN, 0});
  }
  for (;;) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      spdlog::error("poll on listening sockets: {}", errno_text(errno));
      return;
    }
    if (fds[0].revents != 0) {
      return;
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) {
        continue;
      }
      sockaddr_storage peer{};
      socklen_t length = sizeof peer;
      const int fd = accept4(fds[i].fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          spdlog::warn("accept: {}", errno_text(errno));
          std::this_thread::sleep_for(kAcceptBackoff);
        }
        continue;
      }
      // SSH's key exchange, authentication and channel setup are small messages that each
      // wait for an answer. With Nagle's algorithm a small write that follows another one
      // waits for the client's delayed ACK (40 ms on Linux), three times per connection:
      // ls-remote of S took 0.19 s without this and 0.06 s with it (bench/README.md, run 3).
      // Bulk pack data is written in full packets anyway.
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      on_accept(fd, net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&peer), length));
    }
  }
}

}  // namespace gitgate::server
