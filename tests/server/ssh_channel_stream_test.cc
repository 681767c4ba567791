#include "server/ssh_channel_stream.h"

#include <gtest/gtest.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace gitgate::server {
namespace {

using namespace std::chrono_literals;

constexpr long kTimeoutSeconds = 20;  // bounds every blocking libssh call here
constexpr uint32_t kReadChunk = 65536;

// A libssh server and client joined by a socketpair, in this process: the server side runs
// `serve` with a SshChannelStream over the channel of one exec request; the client side runs
// `drive` with its own channel. Each session is touched by one thread only.
class ChannelPair {
 public:
  using ServerFunction = std::function<void(SshChannelStream&)>;
  using ClientFunction = std::function<void(ssh_channel)>;

  // session_timeout: the server session's SSH_OPTIONS_TIMEOUT while serve runs, which
  // bounds one wait of a write for the client's window.
  static void run(std::chrono::milliseconds idle_timeout, const ServerFunction& serve,
                  const ClientFunction& drive, long session_timeout = kTimeoutSeconds) {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    std::thread server([&] { run_server(fds[0], idle_timeout, serve, session_timeout); });
    run_client(fds[1], drive);
    server.join();
  }

 private:
  struct ServerState {
    ssh_channel channel = nullptr;
    bool exec = false;
  };

  static ssh_channel open_session(ssh_session session, void* userdata) {
    auto* state = static_cast<ServerState*>(userdata);
    state->channel = ssh_channel_new(session);
    static ssh_channel_callbacks_struct channel_callbacks = [] {
      ssh_channel_callbacks_struct callbacks{};
      callbacks.channel_exec_request_function = [](ssh_session, ssh_channel, const char*,
                                                   void* data) {
        static_cast<ServerState*>(data)->exec = true;
        return 0;
      };
      ssh_callbacks_init(&callbacks);
      return callbacks;
    }();
    channel_callbacks.userdata = state;
    ssh_set_channel_callbacks(state->channel, &channel_callbacks);
    return state->channel;
  }

  static void run_server(int fd, std::chrono::milliseconds idle_timeout,
                         const ServerFunction& serve, long session_timeout) {
    ssh_bind bind = ssh_bind_new();
    ssh_key key = nullptr;
    ASSERT_EQ(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key), SSH_OK);
    ASSERT_EQ(ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY, key), SSH_OK);
    ssh_session session = ssh_new();
    ASSERT_EQ(ssh_bind_accept_fd(bind, session, fd), SSH_OK);
    long timeout = kTimeoutSeconds;
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &timeout);
    ServerState state;
    ssh_server_callbacks_struct callbacks{};
    callbacks.userdata = &state;
    callbacks.auth_none_function = [](ssh_session, const char*, void*) {
      return static_cast<int>(SSH_AUTH_SUCCESS);
    };
    callbacks.channel_open_request_session_function = open_session;
    ssh_callbacks_init(&callbacks);
    ssh_set_server_callbacks(session, &callbacks);
    ssh_set_auth_methods(session, SSH_AUTH_METHOD_NONE);
    ASSERT_EQ(ssh_handle_key_exchange(session), SSH_OK) << ssh_get_error(session);
    ssh_event event = ssh_event_new();
    ssh_event_add_session(event, session);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutSeconds);
    while (!state.exec && std::chrono::steady_clock::now() < deadline) {
      ASSERT_NE(ssh_event_dopoll(event, 100), SSH_ERROR) << ssh_get_error(session);
    }
    ASSERT_TRUE(state.exec);
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &session_timeout);
    {
      SshChannelStream stream(state.channel, idle_timeout);
      serve(stream);
    }
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &timeout);
    ssh_channel_request_send_exit_status(state.channel, 0);
    ssh_channel_close(state.channel);
    // Keep reading until the client is gone, as the server does.
    while (ssh_is_connected(session) != 0 && std::chrono::steady_clock::now() < deadline &&
           ssh_event_dopoll(event, 100) != SSH_ERROR) {
    }
    ssh_event_remove_session(event, session);
    ssh_event_free(event);
    ssh_free(session);
    ssh_bind_free(bind);
  }

  static void run_client(int fd, const ClientFunction& drive) {
    ssh_session session = ssh_new();
    long timeout = kTimeoutSeconds;
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &timeout);
    ssh_options_set(session, SSH_OPTIONS_HOST, "localhost");
    ssh_options_set(session, SSH_OPTIONS_FD, &fd);
    ASSERT_EQ(ssh_connect(session), SSH_OK) << ssh_get_error(session);
    ASSERT_EQ(ssh_userauth_none(session, nullptr), SSH_AUTH_SUCCESS) << ssh_get_error(session);
    ssh_channel channel = ssh_channel_new(session);
    ASSERT_EQ(ssh_channel_open_session(channel), SSH_OK) << ssh_get_error(session);
    ASSERT_EQ(ssh_channel_request_exec(channel, "test"), SSH_OK) << ssh_get_error(session);
    drive(channel);
    ssh_channel_free(channel);
    ssh_disconnect(session);
    ssh_free(session);
    close(fd);  // a socket given with SSH_OPTIONS_FD stays the caller's
  }
};

// Reads stdout and stderr of the client's channel to the end.
void read_all(ssh_channel channel, std::string& out, std::string& err) {
  std::vector<char> buffer(kReadChunk);
  for (;;) {
    const int n = ssh_channel_read(channel, buffer.data(), kReadChunk, 0);
    if (n <= 0) {
      break;
    }
    out.append(buffer.data(), static_cast<size_t>(n));
  }
  for (;;) {
    const int n = ssh_channel_read_nonblocking(channel, buffer.data(), kReadChunk, 1);
    if (n <= 0) {
      break;
    }
    err.append(buffer.data(), static_cast<size_t>(n));
  }
}

std::string pattern(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    data[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  }
  return data;
}

TEST(SshChannelStream, CountsEveryByteBothWays) {
  const std::string request = "0032want " + std::string(40, 'f') + "\n0000";
  // Larger than the client's window, so the writes have to wait for window adjustments.
  const std::string response = pattern(5 * 1024 * 1024 + 17);
  const std::string message = "remote: counting\n";
  std::string received_request;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  std::string out;
  std::string err;
  ChannelPair::run(
      10s,
      [&](SshChannelStream& stream) {
        std::vector<uint8_t> buffer(request.size());
        size_t have = 0;
        while (have < request.size()) {
          const ptrdiff_t n = stream.read(std::span(buffer).subspan(have));
          ASSERT_GT(n, 0);
          have += static_cast<size_t>(n);
        }
        received_request.assign(buffer.begin(), buffer.end());
        EXPECT_TRUE(stream.write_stderr(message));
        EXPECT_TRUE(
            stream.write({reinterpret_cast<const uint8_t*>(response.data()), response.size()}));
        bytes_read = stream.bytes_read();
        bytes_written = stream.bytes_written();
      },
      [&](ssh_channel channel) {
        ASSERT_EQ(ssh_channel_write(channel, request.data(), static_cast<uint32_t>(request.size())),
                  static_cast<int>(request.size()));
        read_all(channel, out, err);
      });
  EXPECT_EQ(received_request, request);
  EXPECT_EQ(bytes_read, request.size());
  EXPECT_EQ(bytes_written, response.size() + message.size());
  EXPECT_EQ(out.size(), response.size());
  EXPECT_TRUE(out == response);
  EXPECT_EQ(err, message);
}

TEST(SshChannelStream, ReadReturnsZeroAtEndOfInput) {
  ptrdiff_t first = -2;
  ptrdiff_t second = -2;
  ChannelPair::run(
      10s,
      [&](SshChannelStream& stream) {
        std::vector<uint8_t> buffer(16);
        first = stream.read(buffer);
        second = stream.read(buffer);
      },
      [&](ssh_channel channel) {
        ASSERT_EQ(ssh_channel_write(channel, "abc", 3), 3);
        ssh_channel_send_eof(channel);
        std::string out;
        std::string err;
        read_all(channel, out, err);
      });
  EXPECT_EQ(first, 3);
  EXPECT_EQ(second, 0);
}

TEST(SshChannelStream, ReadFailsAfterTheIdleTimeout) {
  ptrdiff_t result = 0;
  std::chrono::steady_clock::duration waited{};
  ChannelPair::run(
      100ms,
      [&](SshChannelStream& stream) {
        std::vector<uint8_t> buffer(16);
        const auto start = std::chrono::steady_clock::now();
        result = stream.read(buffer);
        waited = std::chrono::steady_clock::now() - start;
      },
      [&](ssh_channel channel) {
        std::string out;
        std::string err;
        read_all(channel, out, err);  // sends nothing; waits for the server's close
      });
  EXPECT_EQ(result, -1);
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 5s);
}

// A write that waits on a client which does not read (its window is used up) asks the
// liveness check every session timeout instead of failing, and completes once the client
// reads again: a slow client is not a dead one.
TEST(SshChannelStream, StalledWriteAsksTheLivenessCheckAndGoesOn) {
  const std::string response = pattern(size_t{5} * 1024 * 1024);  // more than the client's window
  int checks_while_stalled = 0;
  std::atomic<bool> stalled{true};
  bool written = false;
  std::string out;
  std::string err;
  ChannelPair::run(
      10s,
      [&](SshChannelStream& stream) {
        stream.set_liveness_check([&] {
          checks_while_stalled += stalled.load() ? 1 : 0;
          return true;
        });
        written =
            stream.write({reinterpret_cast<const uint8_t*>(response.data()), response.size()});
      },
      [&](ssh_channel channel) {
        std::this_thread::sleep_for(3500ms);  // reads nothing: no window adjustments
        stalled = false;
        read_all(channel, out, err);
      },
      1);
  EXPECT_TRUE(written);
  EXPECT_GE(checks_while_stalled, 2);
  EXPECT_EQ(out.size(), response.size());
  EXPECT_TRUE(out == response);
}

// When the check says the client is gone, a write and a read fail at once.
TEST(SshChannelStream, LivenessCheckEndsAWriteAndARead) {
  const std::string response = pattern(size_t{5} * 1024 * 1024);
  bool written = true;
  ptrdiff_t read_result = 0;
  std::chrono::steady_clock::duration waited{};
  std::string out;
  std::string err;
  ChannelPair::run(
      10s,
      [&](SshChannelStream& stream) {
        int checks = 0;
        stream.set_liveness_check([&] { return ++checks < 3; });
        const auto start = std::chrono::steady_clock::now();
        written =
            stream.write({reinterpret_cast<const uint8_t*>(response.data()), response.size()});
        std::vector<uint8_t> buffer(16);
        read_result = stream.read(buffer);
        waited = std::chrono::steady_clock::now() - start;
      },
      [&](ssh_channel channel) {
        std::this_thread::sleep_for(6s);  // longer than the server's wait, in any case
        read_all(channel, out, err);
      },
      1);
  EXPECT_FALSE(written);
  EXPECT_EQ(read_result, -1);
  EXPECT_LT(waited, 5s);
  EXPECT_LT(out.size(), response.size());
}

}  // namespace
}  // namespace gitgate::server
