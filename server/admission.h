// Who may hold a connection open, and for how long before authenticating.
//
// A connection is counted twice over. At accept, before a byte is read, it takes one of
// max_connections (the descriptor budget) and one of max_unauthenticated (the pre-auth pool).
// Once the PROXY header has named the real client, it is counted against that client's
// source: max_per_source connections and max_unauthenticated_per_source not yet
// authenticated, IPv4 by address and IPv6 by /64 (one subscriber's whole allocation, as
// fail2ban and GitLab's rate limiter group them). Behind a balancer every TCP peer is the
// balancer; keying on the peer would make the whole node one "source". A balancer's own
// health check (a LOCAL header) has no client and is never counted against a source, nor
// early-dropped, so a flood cannot make the balancer mark the node down.
//
// Above early_drop_start connections waiting to authenticate, a new one is dropped with a
// probability rising linearly from early_drop_percent to 100 % at max_unauthenticated
// (OpenSSH's MaxStartups start:rate:full), so a flood that fills the pool still lets most
// legitimate logins through.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "net/socket_address.h"
#include "server/config.h"

namespace gitgate::server {

// Descriptors kept back from the connection budget: listening sockets, the access log,
// host keys, the pack cache, and the files a request opens beyond its socket.
inline constexpr int kReservedDescriptors = 64;
// A request holds its socket plus the repository's pack and index files, the pack
// cache's entry and libgit2's object files: budget four per connection.
inline constexpr int kDescriptorsPerConnection = 4;
inline constexpr int kMaxDefaultConnections = 10000;

// Limits with every "sized at start" field (0 in the config) filled in from the number of
// descriptors the process may open. Pure.
[[nodiscard]] Limits resolve_limits(const Limits& configured, uint64_t descriptor_limit);

// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the soft limit in force.
uint64_t raise_descriptor_limit();

// The key a client is counted under: its IPv4 address, or its IPv6 /64 ("2001:db8:1:2::/64").
[[nodiscard]] std::string source_key(const net::SocketAddress& client);

class AdmissionTicket;

// Counts open connections against resolved Limits. Thread-safe.
class Admission {
 public:
  enum class Verdict : uint8_t {
    kAdmitted,
    kTooManyConnections,
    kTooManyUnauthenticated,
    kTooManyFromSource,
    kTooManyUnauthenticatedFromSource,
    kEarlyDrop,
  };

  explicit Admission(const Limits& resolved);

  // At accept: one more connection, unauthenticated, whose socket is fd (shut down by
  // cut_unauthenticated() until it authenticates). The ticket gives everything back.
  [[nodiscard]] std::optional<AdmissionTicket> accept(int fd, Verdict* refused);

  [[nodiscard]] size_t open_connections() const;
  [[nodiscard]] size_t unauthenticated_connections() const;
  // Waits until no connection is open or the deadline passes; returns how many remain.
  size_t wait_until_idle(std::chrono::steady_clock::time_point deadline);
  // Shuts down the socket of every connection not yet authenticated (SIGTERM): their
  // PROXY wait, key exchange or login ends at once.
  size_t cut_unauthenticated();

  // "per-source limit: 32 connections open from 203.0.113.9" (for the refusal's log line).
  [[nodiscard]] std::string describe(Verdict verdict, const std::string& source) const;
  [[nodiscard]] Limits limits() const;
  // SIGHUP: new resolved limits for the connections accepted and identified from now on.
  // Connections already open stay, even above a lowered limit; they count against it, so
  // new ones are refused until enough have closed.
  void set_limits(const Limits& resolved);

 private:
  friend class AdmissionTicket;
  struct SourceCount {
    size_t open = 0;
    size_t unauthenticated = 0;
  };

  Verdict identify(const std::optional<std::string>& source, double chance);
  [[nodiscard]] bool early_drop(double chance) const;
  void authenticated(uint64_t id, const std::optional<std::string>& source);
  void release(uint64_t id, const std::optional<std::string>& source, bool was_authenticated);

  mutable std::mutex mu_;
  Limits limits_;  // guarded by mu_: replaced by set_limits()
  std::condition_variable idle_;
  size_t open_ = 0;
  size_t unauthenticated_ = 0;
  uint64_t next_id_ = 0;
  std::unordered_map<std::string, SourceCount> per_source_;
  std::unordered_map<uint64_t, int> unauthenticated_fds_;
};

// One admitted connection's place in Admission; gives it back when destroyed.
class AdmissionTicket {
 public:
  ~AdmissionTicket();
  AdmissionTicket(AdmissionTicket&& other) noexcept;
  AdmissionTicket(const AdmissionTicket&) = delete;
  AdmissionTicket& operator=(const AdmissionTicket&) = delete;
  AdmissionTicket& operator=(AdmissionTicket&&) = delete;

  // After the PROXY header: counts the connection against its client's source, or against
  // none for a balancer's health check (nullopt). chance is uniform in [0, 1), for the
  // early drop. A refused ticket still holds its place until destroyed.
  [[nodiscard]] Admission::Verdict identify(const std::optional<std::string>& source,
                                            double chance);
  // Authenticated: no longer counted as such, and no longer cut on SIGTERM.
  void mark_authenticated();
  // The socket is about to be closed: SIGTERM must not shut down a reused descriptor.
  void forget_socket();

  [[nodiscard]] std::chrono::steady_clock::time_point accepted_at() const { return accepted_at_; }

 private:
  friend class Admission;
  AdmissionTicket(Admission& admission, uint64_t id);

  Admission* admission_;
  uint64_t id_;
  std::chrono::steady_clock::time_point accepted_at_;
  // Set once identify() admitted the connection against a source (never for a health check).
  std::optional<std::string> source_;
  bool authenticated_ = false;
};

}  // namespace gitgate::server
