#include "git/protocol/pktline.h"

#include <fmt/format.h>

#include <algorithm>

#include "git/pack/oid.h"

namespace gitgate::git::pktline {
namespace {

// Band byte plus header precede every side-band payload.
constexpr size_t kSideBandOverhead = kHeaderSize + 1;
constexpr size_t kReadChunk = 65536;

void append_header(std::string& out, size_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = 12; shift >= 0; shift -= 4) {
    out.push_back(kHex[(length >> shift) & 0xf]);
  }
}

}  // namespace

// gitprotocol-common:
//   pkt-line     =  data-pkt / flush-pkt
//   data-pkt     =  pkt-len pkt-payload
//   pkt-len      =  4*(HEXDIG)
//   pkt-payload  =  (pkt-len - 4)*(OCTET)
//   flush-pkt    = "0000"
// plus "0001" delim-pkt and "0002" response-end-pkt (gitprotocol-v2).
ParseResult parse(std::span<const uint8_t> input) {
  if (input.size() < kHeaderSize) {
    return NeedMore{};
  }
  size_t length = 0;
  for (size_t i = 0; i < kHeaderSize; ++i) {
    const int digit = detail::hex_value(static_cast<char>(input[i]));
    if (digit < 0) {
      return Invalid{fmt::format("bad line length character 0x{:02x}", input[i])};
    }
    length = (length << 4) | static_cast<size_t>(digit);
  }
  switch (length) {
    case 0:
      return Packet{PacketKind::kFlush, {}, kHeaderSize};
    case 1:
      return Packet{PacketKind::kDelim, {}, kHeaderSize};
    case 2:
      return Packet{PacketKind::kResponseEnd, {}, kHeaderSize};
    case 3:
      return Invalid{"bad line length 3"};
    default:
      break;
  }
  // "0004" is an empty data packet. The spec says senders SHOULD NOT send it, but
  // git's packet_read_with_status() accepts it as data of length 0 and so do we:
  // rejecting it would break clients that git itself talks to.
  if (length > kMaxPacketSize) {
    return Invalid{fmt::format("line length {} exceeds {}", length, kMaxPacketSize)};
  }
  if (input.size() < length) {
    return NeedMore{};
  }
  return Packet{PacketKind::kData, input.subspan(kHeaderSize, length - kHeaderSize), length};
}

std::string_view chomp(std::span<const uint8_t> payload) {
  std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  }
  return text;
}

bool append_data(std::string& out, std::string_view payload) {
  if (payload.size() > kMaxDataSize) {
    return false;
  }
  append_header(out, payload.size() + kHeaderSize);
  out.append(payload);
  return true;
}

void append_flush(std::string& out) { out.append("0000"); }
void append_delim(std::string& out) { out.append("0001"); }
void append_response_end(std::string& out) { out.append("0002"); }

size_t max_side_band_payload(SideBand mode) {
  return (mode == SideBand::kSideBand64k ? kSideBand64kPacketSize : kSideBandPacketSize) -
         kSideBandOverhead;
}

void append_side_band(std::string& out, SideBand mode, Band band, std::string_view payload) {
  const size_t limit = max_side_band_payload(mode);
  while (!payload.empty()) {
    const size_t n = std::min(limit, payload.size());
    append_header(out, n + kSideBandOverhead);
    out.push_back(static_cast<char>(band));
    out.append(payload.substr(0, n));
    payload.remove_prefix(n);
  }
}

PktReader::PktReader(Stream& stream) : stream_(stream), buffer_(kReadChunk + kMaxPacketSize) {}

PktReader::Result PktReader::read() {
  for (;;) {
    const auto parsed = parse(std::span(buffer_).subspan(begin_, end_ - begin_));
    if (const auto* packet = std::get_if<Packet>(&parsed)) {
      begin_ += packet->consumed;
      return *packet;
    }
    if (const auto* invalid = std::get_if<Invalid>(&parsed)) {
      return Error{"protocol error: " + invalid->reason};
    }
    // Need more: move the partial packet to the front so a whole packet always fits.
    if (begin_ > 0) {
      std::copy(buffer_.begin() + static_cast<ptrdiff_t>(begin_),
                buffer_.begin() + static_cast<ptrdiff_t>(end_), buffer_.begin());
      end_ -= begin_;
      begin_ = 0;
    }
    const ptrdiff_t n = stream_.read(std::span(buffer_).subspan(end_));
    if (n < 0) {
      return Error{"read error"};
    }
    if (n == 0) {
      if (end_ == begin_) {
        return Eof{};
      }
      return Error{"the remote end hung up in the middle of a packet"};
    }
    end_ += static_cast<size_t>(n);
  }
}

std::span<const uint8_t> PktReader::take_buffered() {
  const auto bytes = std::span<const uint8_t>(buffer_).subspan(begin_, end_ - begin_);
  begin_ = end_;
  return bytes;
}

}  // namespace gitgate::git::pktline
