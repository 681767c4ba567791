// upload-pack's output: pkt-lines, then the pack on side-band (or raw), progress,
// keepalives, and fatal errors where the client will see them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "git/pack/pack_writer.h"
#include "git/protocol/pktline.h"
#include "git/stream.h"

namespace gitgate::git::detail {

// Every member that writes takes the same lock: while a pack is computed, a Keepalive
// thread writes through the same Stream (which is not thread-safe).
class Output : public PackSink {
 public:
  explicit Output(Stream& stream) : stream_(stream) {}

  void set_side_band(pktline::SideBand mode) { side_band_ = mode; }
  void set_progress(bool enabled) { progress_enabled_ = enabled; }
  // From here on fatal errors travel on band 3, where the client's demultiplexer looks.
  void begin_pack();

  void line(std::string_view payload);  // one data pkt-line, buffered
  void raw(std::string_view bytes);     // already framed bytes, buffered
  void flush_pkt();                     // a flush-pkt, buffered
  void delim_pkt();                     // a delim-pkt (v2 section separator), buffered
  bool send();                          // writes what is buffered; false: client gone
  size_t pending_bytes();               // buffered, not yet sent

  // Before the pack: "ERR <message>" (gitprotocol-pack); during it: band 3 with
  // side-band, else stderr. Sent at once.
  void fatal(std::string_view message);

  bool pack_data(std::span<const uint8_t> bytes) override;
  void progress(std::string_view text) override;
  // Text for the user whether or not progress is on (git's receive-pack hook output and
  // rp_error lines): band 2 with side-band, else stderr. Sent at once.
  void message(std::string_view text);
  // After the last pack byte: the flush that ends side-band output. The response is over:
  // no keepalive follows it (a Keepalive may outlive it while the pack cache commits), as a
  // packet after the flush would be read as the next response's, or hit a closed pipe.
  bool end_pack();

  // git's upload-pack keepalive: with side-band, when nothing was written for interval,
  // flush what is buffered or send an empty band-1 packet ("0005\1") so the client
  // (and any proxy) sees the connection alive while objects are counted or compressed.
  void keepalive_if_idle(std::chrono::milliseconds interval);

 private:
  bool send_locked();
  void touch() { last_write_ = std::chrono::steady_clock::now(); }

  Stream& stream_;
  std::string pending_;
  pktline::SideBand side_band_ = pktline::SideBand::kNone;
  bool progress_enabled_ = false;
  bool pack_started_ = false;
  bool pack_ended_ = false;  // end_pack() until the next begin_pack(): no keepalives
  bool gone_ = false;
  std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();
  std::recursive_mutex mutex_;
};

// After a refusal the client may still be writing: v0 sends its haves right after its
// wants without waiting, a v2 fetch's arguments may still be streaming. Leaving at once
// would fail those writes with EPIPE, and git would report a broken pipe instead of our
// ERR line. So this reads until the client, having read the ERR, hangs up; at most
// kDrainLimit bytes, because the client is untrusted.
inline constexpr size_t kDrainLimit = size_t{1} << 20;
void drain_client(Stream& stream);

// Runs Output::keepalive_if_idle on its own thread from construction to destruction.
class Keepalive {
 public:
  Keepalive(Output& out, std::chrono::milliseconds interval);
  ~Keepalive();
  Keepalive(const Keepalive&) = delete;
  Keepalive& operator=(const Keepalive&) = delete;

 private:
  Output& out_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gitgate::git::detail
