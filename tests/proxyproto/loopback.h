// TCP loopback connections for the reader tests: a listener on 127.0.0.1:0 (or ::1:0),
// a client bound to a chosen source address, and bounded reads and writes.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "net/socket_address.h"

namespace gitgate::proxyproto::loopback {

using Bytes = std::vector<uint8_t>;

inline constexpr int kTestPollMs = 3000;  // bound on every wait of the tests themselves

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  [[nodiscard]] int get() const { return fd_; }
  void reset() { Fd().swap(*this); }
  void swap(Fd& other) noexcept { std::swap(fd_, other.fd_); }

 private:
  int fd_;
};

// Fills a sockaddr for "127.0.0.1"/"::1"/"::ffff:127.0.0.1" and port.
inline socklen_t make_sockaddr(const char* ip, uint16_t port, sockaddr_storage& storage) {
  storage = {};
  if (std::strchr(ip, ':') == nullptr) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    inet_pton(AF_INET, ip, &in->sin_addr);
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  inet_pton(AF_INET6, ip, &in6->sin6_addr);
  return sizeof(sockaddr_in6);
}

struct Connection {
  Fd client;
  Fd server;  // the accepted socket, as the listener hands it to the reader
};

// Listens on listen_ip:0, connects from source_ip:0 and accepts; nullopt (with a test
// failure) on any error.
inline std::optional<Connection> connect_loopback(const char* listen_ip, const char* source_ip) {
  sockaddr_storage storage{};
  socklen_t len = make_sockaddr(listen_ip, 0, storage);
  Fd listener(socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int off = 0;
  if (storage.ss_family == AF_INET6) {
    setsockopt(listener.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  auto* sa = reinterpret_cast<sockaddr*>(&storage);
  if (bind(listener.get(), sa, len) != 0 || listen(listener.get(), 1) != 0 ||
      getsockname(listener.get(), sa, &len) != 0) {
    ADD_FAILURE() << "listen on " << listen_ip << ": " << std::strerror(errno);
    return std::nullopt;
  }
  const uint16_t port =
      ntohs(storage.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&storage)->sin_port
                                         : reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  sockaddr_storage source{};
  const socklen_t source_len = make_sockaddr(source_ip, 0, source);
  sockaddr_storage target{};
  const socklen_t target_len = make_sockaddr(
      source.ss_family == AF_INET && storage.ss_family == AF_INET6 ? "127.0.0.1" : listen_ip, port,
      target);
  Connection c;
  c.client = Fd(socket(source.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int one = 1;
  setsockopt(c.client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Loopback connect() to a listening socket completes or fails at once.
  if (bind(c.client.get(), reinterpret_cast<sockaddr*>(&source), source_len) != 0 ||
      connect(c.client.get(), reinterpret_cast<sockaddr*>(&target), target_len) != 0) {
    ADD_FAILURE() << "connect from " << source_ip << ": " << std::strerror(errno);
    return std::nullopt;
  }
  pollfd pfd{listener.get(), POLLIN, 0};
  if (poll(&pfd, 1, kTestPollMs) != 1) {
    ADD_FAILURE() << "accept timed out";
    return std::nullopt;
  }
  c.server = Fd(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (c.server.get() < 0) {
    ADD_FAILURE() << "accept: " << std::strerror(errno);
    return std::nullopt;
  }
  return c;
}

inline void send_all(int fd, const Bytes& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << std::strerror(errno);
    done += static_cast<size_t>(n);
  }
}

// Everything readable on fd until EOF; the client must have shut down its side.
inline Bytes drain(int fd) {
  Bytes out;
  uint8_t buf[4096];
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, kTestPollMs) != 1) {
      ADD_FAILURE() << "no EOF within " << kTestPollMs << " ms";
      return out;
    }
    const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) {
      return out;
    }
    out.insert(out.end(), buf, buf + n);
  }
}

inline net::SocketAddress local_of(int fd) {
  sockaddr_storage storage{};
  socklen_t len = sizeof storage;
  getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len);
  return net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), len);
}

inline net::SocketAddress peer_of(int fd) {
  sockaddr_storage storage{};
  socklen_t len = sizeof storage;
  getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &len);
  return net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), len);
}

}  // namespace gitgate::proxyproto::loopback
