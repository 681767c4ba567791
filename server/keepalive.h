// OpenSSH's ClientAliveInterval / ClientAliveCountMax for a libssh session: when the
// client has sent nothing for an interval, send it a "keepalive@openssh.com" global
// request (which it must answer); after max_missed unanswered probes in a row, the
// client is gone. The probes also keep NATs and load balancers (HAProxy's
// `timeout client`) from dropping an idle connection.
#pragma once

#include <libssh/libssh.h>

#include <chrono>
#include <cstdint>

namespace gitgate::server {

// The decision alone, over a clock and a count of packets received: no I/O.
class ClientAliveTimer {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Action : uint8_t { kNone, kProbe, kGiveUp };

  // interval 0 disables the timer (tick() always answers kNone).
  ClientAliveTimer(std::chrono::milliseconds interval, int max_missed, Clock::time_point now);

  // packets_received: every packet the client has sent so far; any of them, a reply to a
  // probe or channel data, proves the client alive. Once kGiveUp, always kGiveUp.
  [[nodiscard]] Action tick(Clock::time_point now, uint64_t packets_received);

  [[nodiscard]] bool enabled() const { return interval_.count() > 0; }
  [[nodiscard]] int missed() const { return missed_; }
  [[nodiscard]] bool gave_up() const { return missed_ > max_missed_; }
  [[nodiscard]] std::chrono::milliseconds interval() const { return interval_; }

 private:
  std::chrono::milliseconds interval_;
  int max_missed_;
  Clock::time_point deadline_;
  uint64_t packets_seen_ = 0;
  int missed_ = 0;
};

// The timer bound to a session: counts the session's packets (ssh_set_counters) and
// sends the probes. One thread at a time, as the session itself: during a request the
// channel stream calls check(), also from git's keepalive thread (under git's output
// lock, while the session's thread computes the pack and leaves the session alone).
class ClientAlive {
 public:
  // OpenSSH's ClientAliveCountMax default.
  static constexpr int kMaxMissed = 3;

  // Installs the session's packet counter; the destructor removes it, so destroy this
  // before the session is freed.
  ClientAlive(ssh_session session, std::chrono::seconds interval);
  ~ClientAlive();
  ClientAlive(const ClientAlive&) = delete;
  ClientAlive& operator=(const ClientAlive&) = delete;

  // Sends a probe when one is due; false once the client missed too many (then the
  // session should be closed). Cheap when nothing is due: call it often.
  [[nodiscard]] bool check();

  [[nodiscard]] bool enabled() const { return timer_.enabled(); }
  [[nodiscard]] bool gave_up() const { return timer_.gave_up(); }
  [[nodiscard]] uint64_t probes_sent() const { return probes_sent_; }
  [[nodiscard]] std::chrono::seconds interval() const {
    return std::chrono::duration_cast<std::chrono::seconds>(timer_.interval());
  }

 private:
  void send_probe();

  ssh_session session_;
  ssh_counter_struct packets_{};  // libssh adds to it on every packet in and out
  ClientAliveTimer timer_;
  uint64_t probes_sent_ = 0;
};

}  // namespace gitgate::server
