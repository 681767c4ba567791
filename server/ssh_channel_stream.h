// git::Stream over a libssh channel in blocking mode, counting the bytes of the
// request for the access log. Used only on the thread that owns the session; the
// counters may also be read by the drain at shutdown (server/request_log.h).
#pragma once

#include <libssh/libssh.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "git/stream.h"

namespace gitgate::server {

class SshChannelStream final : public git::Stream {
 public:
  // A read that sees no data for idle_timeout fails, so a stalled client cannot hold
  // a session thread forever.
  SshChannelStream(ssh_channel channel, std::chrono::milliseconds idle_timeout);

  ptrdiff_t read(std::span<uint8_t> out) override;
  bool write(std::span<const uint8_t> data) override;
  bool write_stderr(std::span<const uint8_t> data) override;

  bool write_stderr(std::string_view text);

  // The session's keepalive (server/keepalive.h), run while the request waits on the
  // client: before each read slice, and when a write waited a whole session timeout for
  // window space (then it tries again instead of failing). A false answer means the
  // client is gone: the read or write fails.
  void set_liveness_check(std::function<bool()> check) { liveness_check_ = std::move(check); }

  [[nodiscard]] uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }
  // stdout and stderr data together: what the channel carried to the client.
  [[nodiscard]] uint64_t bytes_written() const {
    return bytes_written_.load(std::memory_order_relaxed);
  }

 private:
  bool write_all(std::span<const uint8_t> data, bool is_stderr);
  [[nodiscard]] bool client_alive() const { return !liveness_check_ || liveness_check_(); }
  [[nodiscard]] bool may_retry_write() const;

  ssh_channel channel_;
  std::chrono::milliseconds idle_timeout_;
  std::function<bool()> liveness_check_;
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<uint64_t> bytes_written_{0};
};

}  // namespace gitgate::server
