#include "server/keepalive.h"

#include <libssh/server.h>

namespace gitgate::server {

ClientAliveTimer::ClientAliveTimer(std::chrono::milliseconds interval, int max_missed,
                                   Clock::time_point now)
    : interval_(interval), max_missed_(max_missed), deadline_(now + interval) {}

// OpenSSH's client_alive_check(): each silent interval counts one miss and sends a probe;
// the interval after the max_missed-th probe ends the session, so a dead client is
// dropped after (max_missed + 1) intervals of silence.
ClientAliveTimer::Action ClientAliveTimer::tick(Clock::time_point now, uint64_t packets_received) {
  if (!enabled()) {
    return Action::kNone;
  }
  if (gave_up()) {
    return Action::kGiveUp;
  }
  if (packets_received != packets_seen_) {
    packets_seen_ = packets_received;
    missed_ = 0;
    deadline_ = now + interval_;
    return Action::kNone;
  }
  if (now < deadline_) {
    return Action::kNone;
  }
  ++missed_;
  deadline_ = now + interval_;
  return missed_ > max_missed_ ? Action::kGiveUp : Action::kProbe;
}

ClientAlive::ClientAlive(ssh_session session, std::chrono::seconds interval)
    : session_(session), timer_(interval, kMaxMissed, ClientAliveTimer::Clock::now()) {
  if (timer_.enabled()) {
    ssh_set_counters(session_, nullptr, &packets_);
  }
}

ClientAlive::~ClientAlive() {
  if (timer_.enabled()) {
    ssh_set_counters(session_, nullptr, nullptr);
  }
}

bool ClientAlive::check() {
  if (timer_.gave_up()) {
    return false;
  }
  switch (timer_.tick(ClientAliveTimer::Clock::now(), packets_.in_packets)) {
    case ClientAliveTimer::Action::kNone:
      return true;
    case ClientAliveTimer::Action::kProbe:
      send_probe();
      return true;
    case ClientAliveTimer::Action::kGiveUp:
      return false;
  }
  return true;
}

// ssh_send_keepalive() sends "keepalive@openssh.com" with want-reply and, in blocking
// mode, waits for the reply for the whole session timeout: nonblocking here, so that a
// silent client cannot hold the thread. libssh keeps one global request in flight and
// only its next ssh_global_request() call consumes a reply that the event loop received,
// sending nothing; hence a second call when the first one sent no packet. While a probe
// is unanswered both calls send nothing, which is fine: the client is silent anyway.
void ClientAlive::send_probe() {
  const uint64_t before = packets_.out_packets;
  const int blocking = ssh_is_blocking(session_);
  ssh_set_blocking(session_, 0);
  ssh_send_keepalive(session_);
  if (packets_.out_packets == before) {
    ssh_send_keepalive(session_);
  }
  ssh_set_blocking(session_, blocking);
  if (packets_.out_packets != before) {
    ++probes_sent_;
  }
}

}  // namespace gitgate::server
