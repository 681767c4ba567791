#include "git/detail/upload_pack_io.h"

namespace gitgate::git::detail {
namespace {

// Pack bytes are gathered up to this much before one write to the stream.
constexpr size_t kWriteThreshold = size_t{64} * 1024;

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace

void Output::line(std::string_view payload) {
  if (!pktline::append_data(pending_, payload)) {
    // Only our own lines come here; none is near the limit. Cut rather than corrupt.
    pktline::append_data(pending_, payload.substr(0, pktline::kMaxDataSize));
  }
}

void Output::raw(std::string_view bytes) { pending_.append(bytes); }

bool Output::send() {
  if (!gone_ && !pending_.empty()) {
    gone_ = !stream_.write(bytes_of(pending_));
  }
  pending_.clear();
  return !gone_;
}

void Output::fatal(std::string_view message) {
  const std::string text = std::string(message) + "\n";
  if (!pack_started_) {
    line("ERR " + text);
  } else if (side_band_ != pktline::SideBand::kNone) {
    pktline::append_side_band(pending_, side_band_, pktline::Band::kError, text);
  } else {
    send();
    stream_.write_stderr(bytes_of("fatal: " + text));
    return;
  }
  send();
}

bool Output::pack_data(std::span<const uint8_t> bytes) {
  pack_started_ = true;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (side_band_ == pktline::SideBand::kNone) {
    pending_.append(text);
  } else {
    pktline::append_side_band(pending_, side_band_, pktline::Band::kPackData, text);
  }
  return pending_.size() < kWriteThreshold || send();
}

void Output::progress(std::string_view text) {
  if (!progress_enabled_) {
    return;
  }
  if (side_band_ == pktline::SideBand::kNone) {
    stream_.write_stderr(bytes_of(text));
    return;
  }
  pktline::append_side_band(pending_, side_band_, pktline::Band::kProgress, text);
  send();  // shown at once; libgit2 already throttles its progress calls
}

bool Output::end_pack() {
  if (side_band_ != pktline::SideBand::kNone) {
    pktline::append_flush(pending_);
  }
  return send();
}

}  // namespace gitgate::git::detail
