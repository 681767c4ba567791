#include "server/keepalive.h"

#include <gtest/gtest.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace gitgate::server {
namespace {

using namespace std::chrono_literals;
using Action = ClientAliveTimer::Action;

// One tick: at `at` after the start, the client has sent `packets` packets in all.
struct Tick {
  std::chrono::milliseconds at;
  uint64_t packets;
  Action expected;
};

struct TimerCase {
  std::string name;
  std::chrono::milliseconds interval;
  std::vector<Tick> ticks;
};

TEST(ClientAliveTimer, FollowsClientAliveIntervalAndCountMax) {
  const std::vector<TimerCase> cases = {
      {"disabled", 0ms, {{0ms, 0, Action::kNone}, {1h, 0, Action::kNone}, {2h, 0, Action::kNone}}},
      {"silent client: three probes, then the end",
       1000ms,
       {{999ms, 0, Action::kNone},
        {1000ms, 0, Action::kProbe},
        {1500ms, 0, Action::kNone},
        {2000ms, 0, Action::kProbe},
        {3000ms, 0, Action::kProbe},
        {3999ms, 0, Action::kNone},
        {4000ms, 0, Action::kGiveUp},
        {4001ms, 7, Action::kGiveUp}}},  // too late: the end stays the end
      {"an answer resets the count and the interval",
       1000ms,
       {{1000ms, 0, Action::kProbe},
        {2000ms, 0, Action::kProbe},
        {3000ms, 0, Action::kProbe},
        {3100ms, 1, Action::kNone},
        {4000ms, 1, Action::kNone},
        {4100ms, 1, Action::kProbe},
        {5100ms, 1, Action::kProbe},
        {6100ms, 1, Action::kProbe},
        {7100ms, 1, Action::kGiveUp}}},
      {"a client that keeps sending is never probed",
       1000ms,
       {{900ms, 1, Action::kNone},
        {1800ms, 2, Action::kNone},
        {2700ms, 3, Action::kNone},
        {3600ms, 4, Action::kNone},
        {4500ms, 5, Action::kNone}}},
      {"a late tick counts one miss, not the intervals it slept through",
       1000ms,
       {{10000ms, 0, Action::kProbe}, {10500ms, 0, Action::kNone}, {11000ms, 0, Action::kProbe}}},
  };
  for (const TimerCase& c : cases) {
    const auto start = ClientAliveTimer::Clock::time_point{} + 24h;
    ClientAliveTimer timer(c.interval, 3, start);
    EXPECT_EQ(timer.enabled(), c.interval.count() > 0) << c.name;
    for (const Tick& t : c.ticks) {
      EXPECT_EQ(timer.tick(start + t.at, t.packets), t.expected)
          << c.name << " at " << t.at.count() << " ms";
    }
  }
}

constexpr long kTimeoutSeconds = 20;  // bounds every blocking libssh call here

// A libssh server session whose ClientAlive probes a libssh client over a socketpair, in
// this process. The client answers while `answering` is set (as OpenSSH's client does),
// then stops reading altogether, like a client whose machine vanished.
struct ProbeRun {
  int probes_seen_by_client = 0;  // while answering
  uint64_t probes_sent_while_answering = 0;
  bool gave_up_while_answering = false;
  bool gave_up = false;
  std::chrono::milliseconds give_up_after{0};  // from the moment the client went silent
};

int count_keepalive(ssh_session /*session*/, ssh_message message, void* counter) {
  if (ssh_message_subtype(message) == SSH_GLOBAL_REQUEST_KEEPALIVE) {
    ++*static_cast<std::atomic<int>*>(counter);
  }
  ssh_message_global_request_reply_success(message, 0);
  return 0;
}

void run_server(int fd, std::chrono::milliseconds answering_for, std::atomic<bool>& silent,
                ProbeRun& run) {
  ssh_bind bind = ssh_bind_new();
  ssh_key key = nullptr;
  ASSERT_EQ(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key), SSH_OK);
  ASSERT_EQ(ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY, key), SSH_OK);  // owns key
  ssh_session session = ssh_new();
  ASSERT_EQ(ssh_bind_accept_fd(bind, session, fd), SSH_OK);
  long timeout = kTimeoutSeconds;
  ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &timeout);
  bool authenticated = false;
  ssh_server_callbacks_struct callbacks{};
  callbacks.userdata = &authenticated;
  callbacks.auth_none_function = [](ssh_session, const char*, void* done) {
    *static_cast<bool*>(done) = true;
    return static_cast<int>(SSH_AUTH_SUCCESS);
  };
  ssh_callbacks_init(&callbacks);
  ssh_set_server_callbacks(session, &callbacks);
  ssh_set_auth_methods(session, SSH_AUTH_METHOD_NONE);
  ASSERT_EQ(ssh_handle_key_exchange(session), SSH_OK) << ssh_get_error(session);
  ssh_event event = ssh_event_new();
  ssh_event_add_session(event, session);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutSeconds);
  while (!authenticated && std::chrono::steady_clock::now() < deadline) {
    ASSERT_NE(ssh_event_dopoll(event, 100), SSH_ERROR) << ssh_get_error(session);
  }
  ASSERT_TRUE(authenticated);
  {
    ClientAlive alive(session, 1s);
    const auto answering_until = std::chrono::steady_clock::now() + answering_for;
    std::chrono::steady_clock::time_point silent_since{};
    // The session's loop: poll in slices, check between them.
    while (std::chrono::steady_clock::now() < deadline) {
      if (ssh_event_dopoll(event, 100) == SSH_ERROR) {
        break;
      }
      const bool alive_now = alive.check();
      if (std::chrono::steady_clock::now() < answering_until) {
        run.gave_up_while_answering |= !alive_now;
        run.probes_sent_while_answering = alive.probes_sent();
        continue;
      }
      if (silent_since == std::chrono::steady_clock::time_point{}) {
        silent.store(true);
        silent_since = std::chrono::steady_clock::now();
      }
      if (!alive_now) {
        run.gave_up = true;
        run.give_up_after = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - silent_since);
        break;
      }
    }
  }
  ssh_event_remove_session(event, session);
  ssh_event_free(event);
  ssh_free(session);
  ssh_bind_free(bind);
}

TEST(ClientAlive, ProbesAnAnsweringClientAndDropsASilentOne) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  std::atomic<bool> silent{false};
  std::atomic<int> probes{0};
  ProbeRun run;
  constexpr auto kAnswering = 4500ms;
  std::thread server([&] { run_server(fds[0], kAnswering, silent, run); });

  ssh_session client = ssh_new();
  long timeout = kTimeoutSeconds;
  ssh_options_set(client, SSH_OPTIONS_TIMEOUT, &timeout);
  ssh_options_set(client, SSH_OPTIONS_HOST, "localhost");
  ssh_options_set(client, SSH_OPTIONS_FD, &fds[1]);
  ssh_callbacks_struct callbacks{};
  callbacks.userdata = &probes;
  callbacks.global_request_function = [](ssh_session session, ssh_message message, void* data) {
    count_keepalive(session, message, data);
  };
  ssh_callbacks_init(&callbacks);
  ssh_set_callbacks(client, &callbacks);
  EXPECT_EQ(ssh_connect(client), SSH_OK) << ssh_get_error(client);
  EXPECT_EQ(ssh_userauth_none(client, nullptr), SSH_AUTH_SUCCESS) << ssh_get_error(client);
  ssh_event event = ssh_event_new();
  ssh_event_add_session(event, client);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutSeconds);
  while (!silent.load() && std::chrono::steady_clock::now() < deadline) {
    ssh_event_dopoll(event, 50);  // reads, and so answers the probes
  }
  run.probes_seen_by_client = probes.load();
  server.join();  // the client reads nothing more: the server must give up by itself
  ssh_event_remove_session(event, client);
  ssh_event_free(event);
  ssh_free(client);
  close(fds[1]);

  // One probe a second, each one sent (libssh's one-request-in-flight bookkeeping must not
  // swallow every other one) and answered.
  EXPECT_GE(run.probes_seen_by_client, 3);
  EXPECT_GE(run.probes_sent_while_answering, 3U);
  EXPECT_FALSE(run.gave_up_while_answering);
  // Silent: three more probes, one second apart, then the end; not before.
  EXPECT_TRUE(run.gave_up);
  EXPECT_GE(run.give_up_after, 3s);
  EXPECT_LE(run.give_up_after, 8s);
}

}  // namespace
}  // namespace gitgate::server
