// Feeds arbitrary bytes to the pkt-line parser, PktReader and the upload-pack line
// parsers; checks the parser's promises, and that encoding a payload parses back.
#include <algorithm>
#include <string>

#include "git/protocol/negotiation.h"
#include "git/protocol/pktline.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using gitgate::git::pktline::Packet;

using gitgate::fuzz::check;

class ChunkStream : public gitgate::git::Stream {
 public:
  ChunkStream(std::span<const uint8_t> input, size_t chunk) : input_(input), chunk_(chunk) {}
  ptrdiff_t read(std::span<uint8_t> out) override {
    const size_t n = std::min({chunk_, out.size(), input_.size()});
    std::copy_n(input_.begin(), n, out.begin());
    input_ = input_.subspan(n);
    return static_cast<ptrdiff_t>(n);
  }
  bool write(std::span<const uint8_t> /*data*/) override { return true; }
  bool write_stderr(std::span<const uint8_t> /*data*/) override { return true; }

 private:
  std::span<const uint8_t> input_;
  size_t chunk_;
};

void check_payload(const Packet& packet) {
  namespace pkt = gitgate::git::pktline;
  const std::string_view line = pkt::chomp(packet.payload);
  gitgate::git::detail::parse_capabilities(line);
  gitgate::git::detail::parse_want(line);
  std::string encoded;
  check(pkt::append_data(
      encoded, {reinterpret_cast<const char*>(packet.payload.data()), packet.payload.size()}));
  const auto again = pkt::parse({reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size()});
  check(std::holds_alternative<Packet>(again) &&
        std::get<Packet>(again).consumed == encoded.size());
  std::string banded;
  pkt::append_side_band(banded, pkt::SideBand::kSideBand, pkt::Band::kProgress, line);
}

// Returns the packets parse() finds in input, one after another.
size_t parse_all(std::span<const uint8_t> input) {
  namespace pkt = gitgate::git::pktline;
  size_t count = 0;
  for (;;) {
    const auto result = pkt::parse(input);
    const auto* packet = std::get_if<Packet>(&result);
    if (packet == nullptr) {
      return count;
    }
    check(packet->consumed >= pkt::kHeaderSize && packet->consumed <= input.size());
    check(packet->consumed <= pkt::kMaxPacketSize);
    if (packet->kind == pkt::PacketKind::kData) {
      check(packet->payload.data() == input.data() + pkt::kHeaderSize);
      check_payload(*packet);
    }
    input = input.subspan(packet->consumed);
    ++count;
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace pkt = gitgate::git::pktline;
  const std::span<const uint8_t> input(data, size);
  const size_t parsed = parse_all(input);
  // The reader sees the same packets whatever the read sizes.
  const size_t chunk = size == 0 ? 1 : data[0] % 13 + 1;
  ChunkStream stream(input, chunk);
  pkt::PktReader reader(stream);
  size_t read = 0;
  while (std::holds_alternative<Packet>(reader.read())) {
    ++read;
  }
  check(read == parsed);
  return 0;
}
