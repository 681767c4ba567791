// upload-pack's output: pkt-lines, then the pack on side-band (or raw), progress,
// and fatal errors where the client will see them.
#pragma once

#include <string>
#include <string_view>

#include "git/pack_writer.h"
#include "git/pktline.h"
#include "git/stream.h"

namespace gitgate::git::detail {

class Output : public PackSink {
 public:
  explicit Output(Stream& stream) : stream_(stream) {}

  void set_side_band(pktline::SideBand mode) { side_band_ = mode; }
  void set_progress(bool enabled) { progress_enabled_ = enabled; }
  // From here on fatal errors travel on band 3, where the client's demultiplexer looks.
  void begin_pack() { pack_started_ = true; }

  void line(std::string_view payload);  // one data pkt-line, buffered
  void raw(std::string_view bytes);     // already framed bytes, buffered
  bool send();                          // writes what is buffered; false: client gone

  // Before the pack: "ERR <message>" (gitprotocol-pack); during it: band 3 with
  // side-band, else stderr. Sent at once.
  void fatal(std::string_view message);

  bool pack_data(std::span<const uint8_t> bytes) override;
  void progress(std::string_view text) override;
  // After the last pack byte: the flush that ends side-band output.
  bool end_pack();

 private:
  Stream& stream_;
  std::string pending_;
  pktline::SideBand side_band_ = pktline::SideBand::kNone;
  bool progress_enabled_ = false;
  bool pack_started_ = false;
  bool gone_ = false;
};

}  // namespace gitgate::git::detail
