#include "server/ssh_channel_stream.h"

#include <algorithm>
#include <limits>

namespace gitgate::server {
namespace {

// One ssh_channel_read_timeout() wait; the idle timeout is counted in these slices.
constexpr int kReadSliceMs = 1000;
// ssh_channel_write() takes a uint32_t length and splits it into packets itself.
constexpr size_t kMaxWriteChunk = size_t{1} << 20;

}  // namespace

SshChannelStream::SshChannelStream(ssh_channel channel, std::chrono::milliseconds idle_timeout)
    : channel_(channel), idle_timeout_(idle_timeout) {}

ptrdiff_t SshChannelStream::read(std::span<uint8_t> out) {
  if (out.empty()) {
    return 0;
  }
  const auto count =
      static_cast<uint32_t>(std::min<size_t>(out.size(), std::numeric_limits<uint32_t>::max()));
  const auto deadline = std::chrono::steady_clock::now() + idle_timeout_;
  for (;;) {
    if (!client_alive()) {
      return -1;  // without waiting a slice first: the drain after a failure reads too
    }
    const int n = ssh_channel_read_timeout(channel_, out.data(), count, 0, kReadSliceMs);
    if (n > 0) {
      bytes_read_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      return n;
    }
    if (n < 0) {
      return -1;
    }
    // 0 means end of input or a slice without data; only the channel tells which.
    if (ssh_channel_is_eof(channel_) != 0 || ssh_channel_is_closed(channel_) != 0) {
      return 0;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return -1;
    }
  }
}

bool SshChannelStream::write(std::span<const uint8_t> data) { return write_all(data, false); }

bool SshChannelStream::write_stderr(std::span<const uint8_t> data) { return write_all(data, true); }

bool SshChannelStream::write_stderr(std::string_view text) {
  return write_all({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, true);
}

// A write that returns 0 with the channel and the session still open waited the
// session's timeout for the client's window: retried while the liveness check says the
// client is there, for at most the idle timeout without progress.
bool SshChannelStream::write_all(std::span<const uint8_t> data, bool is_stderr) {
  auto deadline = std::chrono::steady_clock::now() + idle_timeout_;
  while (!data.empty()) {
    const size_t chunk = std::min(data.size(), kMaxWriteChunk);
    const auto length = static_cast<uint32_t>(chunk);
    const int written = is_stderr ? ssh_channel_write_stderr(channel_, data.data(), length)
                                  : ssh_channel_write(channel_, data.data(), length);
    if (written < 0 || (written == 0 && !may_retry_write())) {
      return false;
    }
    if (written > 0) {  // progress: the client is taking the data
      bytes_written_.fetch_add(static_cast<uint64_t>(written), std::memory_order_relaxed);
      data = data.subspan(static_cast<size_t>(written));
      deadline = std::chrono::steady_clock::now() + idle_timeout_;
      continue;
    }
    if (!client_alive() || std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
  }
  return true;
}

bool SshChannelStream::may_retry_write() const {
  ssh_session session = ssh_channel_get_session(channel_);
  return liveness_check_ && ssh_channel_is_open(channel_) != 0 && ssh_is_connected(session) != 0 &&
         (ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) == 0;
}

}  // namespace gitgate::server
