#include "git/protocol/upload_pack_io.h"

#include <algorithm>
#include <array>

namespace gitgate::git::detail {
namespace {

// Pack bytes are gathered up to this much before one write to the stream.
constexpr size_t kWriteThreshold = size_t{64} * 1024;

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace

void drain_client(Stream& stream) {
  std::array<uint8_t, 8192> buffer{};
  size_t total = 0;
  while (total < kDrainLimit) {
    const ptrdiff_t n = stream.read(buffer);
    if (n <= 0) {
      return;
    }
    total += static_cast<size_t>(n);
  }
}

void Output::line(std::string_view payload) {
  const std::lock_guard lock(mutex_);
  if (!pktline::append_data(pending_, payload)) {
    // Only our own lines come here; none is near the limit. Cut rather than corrupt.
    pktline::append_data(pending_, payload.substr(0, pktline::kMaxDataSize));
  }
}

void Output::raw(std::string_view bytes) {
  const std::lock_guard lock(mutex_);
  pending_.append(bytes);
}

void Output::flush_pkt() {
  const std::lock_guard lock(mutex_);
  pktline::append_flush(pending_);
}

void Output::delim_pkt() {
  const std::lock_guard lock(mutex_);
  pktline::append_delim(pending_);
}

size_t Output::pending_bytes() {
  const std::lock_guard lock(mutex_);
  return pending_.size();
}

bool Output::send() {
  const std::lock_guard lock(mutex_);
  return send_locked();
}

bool Output::send_locked() {
  if (!gone_ && !pending_.empty()) {
    gone_ = !stream_.write(bytes_of(pending_));
    touch();
  }
  pending_.clear();
  return !gone_;
}

void Output::fatal(std::string_view message) {
  const std::lock_guard lock(mutex_);
  const std::string text = std::string(message) + "\n";
  if (!pack_started_) {
    line("ERR " + text);
  } else if (side_band_ != pktline::SideBand::kNone) {
    pktline::append_side_band(pending_, side_band_, pktline::Band::kError, text);
  } else {
    send_locked();
    stream_.write_stderr(bytes_of("fatal: " + text));
    return;
  }
  send_locked();
}

bool Output::pack_data(std::span<const uint8_t> bytes) {
  const std::lock_guard lock(mutex_);
  pack_started_ = true;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (side_band_ == pktline::SideBand::kNone) {
    pending_.append(text);
  } else {
    pktline::append_side_band(pending_, side_band_, pktline::Band::kPackData, text);
  }
  return pending_.size() < kWriteThreshold || send_locked();
}

void Output::progress(std::string_view text) {
  const std::lock_guard lock(mutex_);
  if (!progress_enabled_) {
    return;
  }
  if (side_band_ == pktline::SideBand::kNone) {
    stream_.write_stderr(bytes_of(text));
    return;
  }
  pktline::append_side_band(pending_, side_band_, pktline::Band::kProgress, text);
  send_locked();  // shown at once; libgit2 already throttles its progress calls
}

void Output::message(std::string_view text) {
  const std::lock_guard lock(mutex_);
  if (side_band_ == pktline::SideBand::kNone) {
    send_locked();
    stream_.write_stderr(bytes_of(text));
    return;
  }
  pktline::append_side_band(pending_, side_band_, pktline::Band::kProgress, text);
  send_locked();
}

void Output::begin_pack() {
  const std::lock_guard lock(mutex_);
  pack_started_ = true;
  pack_ended_ = false;
}

bool Output::end_pack() {
  const std::lock_guard lock(mutex_);
  pack_ended_ = true;
  if (side_band_ != pktline::SideBand::kNone) {
    pktline::append_flush(pending_);
  }
  return send_locked();
}

void Output::keepalive_if_idle(std::chrono::milliseconds interval) {
  const std::lock_guard lock(mutex_);
  if (side_band_ == pktline::SideBand::kNone || gone_ || pack_ended_ ||
      std::chrono::steady_clock::now() - last_write_ < interval) {
    return;
  }
  if (pending_.empty()) {
    pending_ = "0005\1";
  }
  send_locked();
  touch();  // even when the client is gone: no busy retries
}

Keepalive::Keepalive(Output& out, std::chrono::milliseconds interval)
    : out_(out), interval_(interval), thread_([this] {
        std::unique_lock lock(mutex_);
        // Checked several times per interval so the gap stays close to interval.
        const auto tick = std::max(interval_ / 4, std::chrono::milliseconds(1));
        while (!wake_.wait_for(lock, tick, [this] { return stop_; })) {
          out_.keepalive_if_idle(interval_);
        }
      }) {}

Keepalive::~Keepalive() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

}  // namespace gitgate::git::detail
