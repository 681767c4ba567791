// The accept side of the server: listening sockets, the accept loop, and the
// connection limits (total, per source address, not yet authenticated).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "proxyproto/address.h"
#include "server/config.h"

namespace gitgate::server {

// "127.0.0.1:7999", "[::]:7999".
[[nodiscard]] std::string format_listen_address(const ListenAddress& address);

// Counts open connections against Limits. Thread-safe.
class Admission {
 public:
  enum class Verdict : uint8_t {
    kAdmitted,
    kTooManyConnections,
    kTooManyFromSource,
    kTooManyUnauthenticated,
  };

  explicit Admission(const Limits& limits);

  // Counts a new (unauthenticated) connection from source (an IP string) unless a limit is reached.
  [[nodiscard]] Verdict admit(const std::string& source);
  // The connection from source authenticated: it no longer counts as unauthenticated.
  void authenticated();
  // The connection from source ended.
  void release(const std::string& source, bool was_authenticated);

  [[nodiscard]] size_t open_connections() const;
  [[nodiscard]] size_t unauthenticated_connections() const;
  // Waits until no connection is open or the deadline passes; returns how many remain.
  size_t wait_until_idle(std::chrono::steady_clock::time_point deadline);

  // "connection limit: 256 connections open" (for the refusal's log line).
  [[nodiscard]] std::string describe(Verdict verdict, const std::string& source) const;

 private:
  Limits limits_;
  mutable std::mutex mu_;
  std::condition_variable idle_;
  size_t open_ = 0;
  size_t unauthenticated_ = 0;
  std::unordered_map<std::string, size_t> per_source_;
};

// One admitted connection's place in Admission; gives it back when destroyed.
class AdmissionTicket {
 public:
  AdmissionTicket(Admission& admission, std::string source);
  ~AdmissionTicket();
  AdmissionTicket(AdmissionTicket&& other) noexcept;
  AdmissionTicket(const AdmissionTicket&) = delete;
  AdmissionTicket& operator=(const AdmissionTicket&) = delete;
  AdmissionTicket& operator=(AdmissionTicket&&) = delete;

  void mark_authenticated();

 private:
  Admission* admission_;
  std::string source_;
  bool authenticated_ = false;
};

struct BoundSocket {
  int fd = -1;
  proxyproto::SocketAddress address;  // with the real port (port 0 resolved)
};

// Binds and listens on every address (SO_REUSEADDR; IPV6_V6ONLY for IPv6 so that
// "0.0.0.0:p" and "[::]:p" can both be listed). On failure closes what it opened.
[[nodiscard]] std::variant<std::vector<BoundSocket>, std::string> bind_listeners(
    const std::vector<ListenAddress>& addresses);

// The accept loop: poll over the listening sockets and a self-pipe that stop() writes to.
class Listener {
 public:
  using AcceptFunction = std::function<void(int fd, const proxyproto::SocketAddress& peer)>;

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
