// pkt-line framing (gitprotocol-common "pkt-line Format") and side-band
// multiplexing (gitprotocol-pack "Packfile Data"): a pure parser, encoders, and
// a small buffered reader over a Stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "git/stream.h"

namespace gitgate::git::pktline {

inline constexpr size_t kHeaderSize = 4;         // four hex digits of length
inline constexpr size_t kMaxPacketSize = 65520;  // LARGE_PACKET_MAX, header included
inline constexpr size_t kMaxDataSize = kMaxPacketSize - kHeaderSize;  // 65516
inline constexpr size_t kSideBandPacketSize = 1000;  // "side-band": packets of at most 1000
inline constexpr size_t kSideBand64kPacketSize = kMaxPacketSize;  // "side-band-64k"

enum class PacketKind {
  kData,         // "0004".."fff0" followed by the payload
  kFlush,        // "0000"
  kDelim,        // "0001" (protocol v2 section separator)
  kResponseEnd,  // "0002" (protocol v2 stateless end of response)
};

struct Packet {
  PacketKind kind = PacketKind::kFlush;
  std::span<const uint8_t> payload;  // points into the parsed input; empty unless kData
  size_t consumed = 0;               // bytes of input this packet occupies
};
struct NeedMore {};
struct Invalid {
  std::string reason;
};
using ParseResult = std::variant<Packet, NeedMore, Invalid>;

// Parses the first packet of input. Never reads past input; never throws.
ParseResult parse(std::span<const uint8_t> input);

// The payload as text without one trailing LF (senders SHOULD end text lines with LF).
std::string_view chomp(std::span<const uint8_t> payload);

// Encoders append to out. append_data returns false (out unchanged) when the
// payload exceeds kMaxDataSize.
bool append_data(std::string& out, std::string_view payload);
void append_flush(std::string& out);
void append_delim(std::string& out);
void append_response_end(std::string& out);

enum class Band : uint8_t { kPackData = 1, kProgress = 2, kError = 3 };
enum class SideBand { kNone, kSideBand, kSideBand64k };

// Largest payload of one side-band packet in mode (band byte excluded): 995 or 65515.
size_t max_side_band_payload(SideBand mode);

// Appends payload on band as as many packets as mode's size limit needs (none for an
// empty payload). mode must not be kNone.
void append_side_band(std::string& out, SideBand mode, Band band, std::string_view payload);

// Reads packets from a Stream through a buffer. Errors are values: a malformed
// packet, an I/O error, or end of input in the middle of a packet.
class PktReader {
 public:
  struct Eof {};  // end of input at a packet boundary
  struct Error {
    std::string reason;
  };
  using Result = std::variant<Packet, Eof, Error>;

  explicit PktReader(Stream& stream);
  // The returned payload stays valid until the next call.
  Result read();
  // The bytes read from the stream past the last packet returned, handed over once (the
  // buffer is then empty): what follows the packets is not pkt-lines, as the pack after
  // a push's command list. Valid until the next call of read().
  std::span<const uint8_t> take_buffered();

 private:
  Stream& stream_;
  std::vector<uint8_t> buffer_;
  size_t begin_ = 0;  // first unparsed byte
  size_t end_ = 0;    // one past the last byte read
};

}  // namespace gitgate::git::pktline
