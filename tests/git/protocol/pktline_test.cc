#include "git/protocol/pktline.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/git/memory_stream.h"
#include "tests/testing/pktline_builder.h"

namespace gitgate::git::pktline {
namespace {

using gitgate::testing::PktBuilder;
using gitgate::testing::split_packets;

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string text(std::span<const uint8_t> payload) {
  return {reinterpret_cast<const char*>(payload.data()), payload.size()};
}

struct ParseCase {
  std::string name;
  std::string input;
  enum class Expect { kPacket, kNeedMore, kInvalid } expect;
  PacketKind kind = PacketKind::kData;
  std::string payload;
  size_t consumed = 0;
};

std::vector<ParseCase> parse_cases() {
  using E = ParseCase::Expect;
  const std::string max_payload(kMaxDataSize, 'x');
  return {
      {"flush", "0000", E::kPacket, PacketKind::kFlush, "", 4},
      {"delim", "0001", E::kPacket, PacketKind::kDelim, "", 4},
      {"response_end", "0002", E::kPacket, PacketKind::kResponseEnd, "", 4},
      {"length_three", "0003", E::kInvalid, PacketKind::kData, "", 0},
      {"empty_data_like_git", "0004", E::kPacket, PacketKind::kData, "", 4},
      {"one_byte", "0005a", E::kPacket, PacketKind::kData, "a", 5},
      {"text_line", "000ahello\n", E::kPacket, PacketKind::kData, "hello\n", 10},
      {"upper_hex", "000Ahello\n", E::kPacket, PacketKind::kData, "hello\n", 10},
      {"trailing_bytes_left", "0006ab0000", E::kPacket, PacketKind::kData, "ab", 6},
      {"binary_payload", std::string("0007\0\xff\n", 7), E::kPacket, PacketKind::kData,
       std::string("\0\xff\n", 3), 7},
      {"largest", "fff0" + max_payload, E::kPacket, PacketKind::kData, max_payload, 65520},
      {"too_large", "fff1" + max_payload + "x", E::kInvalid, PacketKind::kData, "", 0},
      {"ffff", "ffff", E::kInvalid, PacketKind::kData, "", 0},
      {"not_hex", "00g4", E::kInvalid, PacketKind::kData, "", 0},
      {"space", "00 5a", E::kInvalid, PacketKind::kData, "", 0},
      {"sign", "-005a", E::kInvalid, PacketKind::kData, "", 0},
      {"truncated_payload", "000ahell", E::kNeedMore, PacketKind::kData, "", 0},
      {"short_header", "00", E::kNeedMore, PacketKind::kData, "", 0},
      {"empty", "", E::kNeedMore, PacketKind::kData, "", 0},
  };
}

void expect_result(const ParseCase& c, std::span<const uint8_t> input) {
  const ParseResult result = parse(input);
  switch (c.expect) {
    case ParseCase::Expect::kPacket: {
      const auto* packet = std::get_if<Packet>(&result);
      ASSERT_NE(packet, nullptr) << c.name;
      EXPECT_EQ(packet->kind, c.kind) << c.name;
      EXPECT_EQ(text(packet->payload), c.payload) << c.name;
      EXPECT_EQ(packet->consumed, c.consumed) << c.name;
      break;
    }
    case ParseCase::Expect::kNeedMore:
      EXPECT_TRUE(std::holds_alternative<NeedMore>(result)) << c.name;
      break;
    case ParseCase::Expect::kInvalid: {
      const auto* invalid = std::get_if<Invalid>(&result);
      ASSERT_NE(invalid, nullptr) << c.name;
      EXPECT_FALSE(invalid->reason.empty()) << c.name;
      break;
    }
  }
}

TEST(PktLineParse, Table) {
  for (const ParseCase& c : parse_cases()) {
    expect_result(c, bytes(c.input));
  }
}

// Every prefix of a packet is "need more" until the packet is whole; an invalid
// header is reported as soon as its four bytes are there, never before.
TEST(PktLineParse, EverySplit) {
  for (const ParseCase& c : parse_cases()) {
    if (c.expect == ParseCase::Expect::kNeedMore) {
      continue;
    }
    const size_t whole = c.expect == ParseCase::Expect::kPacket ? c.consumed : kHeaderSize;
    for (size_t cut = 0; cut < whole; ++cut) {
      EXPECT_TRUE(std::holds_alternative<NeedMore>(parse(bytes(c.input).first(cut))))
          << c.name << " cut at " << cut;
    }
    expect_result(c, bytes(c.input));
  }
}

TEST(PktLineParse, Chomp) {
  EXPECT_EQ(chomp(bytes("want x\n")), "want x");
  EXPECT_EQ(chomp(bytes("done")), "done");
  EXPECT_EQ(chomp(bytes("a\n\n")), "a\n");
  EXPECT_EQ(chomp(bytes("")), "");
}

TEST(PktLineEncode, Packets) {
  struct Case {
    std::string payload;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"", "0004"},
      {"a", "0005a"},
      {"hello\n", "000ahello\n"},
      {std::string(251, 'z'), "00ff" + std::string(251, 'z')},
  };
  for (const Case& c : cases) {
    std::string out = "x";
    ASSERT_TRUE(append_data(out, c.payload));
    EXPECT_EQ(out, "x" + c.expected);
  }
  std::string out;
  append_flush(out);
  append_delim(out);
  append_response_end(out);
  EXPECT_EQ(out, "000000010002");
}

TEST(PktLineEncode, SizeLimit) {
  std::string out;
  EXPECT_TRUE(append_data(out, std::string(kMaxDataSize, 'a')));
  EXPECT_EQ(out.size(), kMaxPacketSize);
  EXPECT_EQ(out.substr(0, 4), "fff0");
  std::string unchanged = "keep";
  EXPECT_FALSE(append_data(unchanged, std::string(kMaxDataSize + 1, 'a')));
  EXPECT_EQ(unchanged, "keep");
}

TEST(PktLineEncode, RoundTripThroughParser) {
  for (const size_t size : {size_t{0}, size_t{1}, size_t{1000}, kMaxDataSize}) {
    std::string payload(size, '\0');
    for (size_t i = 0; i < size; ++i) {
      payload[i] = static_cast<char>(i * 7);
    }
    std::string out;
    ASSERT_TRUE(append_data(out, payload));
    const auto result = parse(bytes(out));
    const auto* packet = std::get_if<Packet>(&result);
    ASSERT_NE(packet, nullptr);
    EXPECT_EQ(text(packet->payload), payload);
    EXPECT_EQ(packet->consumed, out.size());
  }
}

TEST(PktLineSideBand, Limits) {
  EXPECT_EQ(max_side_band_payload(SideBand::kSideBand), 995U);
  EXPECT_EQ(max_side_band_payload(SideBand::kSideBand64k), 65515U);
}

TEST(PktLineSideBand, SplitsAndFrames) {
  for (const SideBand mode : {SideBand::kSideBand, SideBand::kSideBand64k}) {
    const size_t limit = max_side_band_payload(mode);
    for (const size_t size : {size_t{0}, size_t{1}, limit - 1, limit, limit + 1, 3 * limit + 7}) {
      for (const Band band : {Band::kPackData, Band::kProgress, Band::kError}) {
        std::string payload(size, 'p');
        for (size_t i = 0; i < size; ++i) {
          payload[i] = static_cast<char>('a' + i % 26);
        }
        std::string out;
        append_side_band(out, mode, band, payload);
        size_t rest = 0;
        const auto packets = split_packets(out, &rest);
        EXPECT_EQ(rest, out.size());
        EXPECT_EQ(packets.size(), (size + limit - 1) / limit) << size;
        std::string joined;
        for (const auto& packet : packets) {
          ASSERT_FALSE(packet.payload.empty());
          EXPECT_EQ(packet.payload[0], static_cast<char>(band));
          EXPECT_LE(packet.payload.size() - 1, limit);
          joined += packet.payload.substr(1);
        }
        EXPECT_EQ(joined, payload);
      }
    }
  }
}

using Events = std::vector<std::string>;

// Reads everything; each packet becomes "D:<payload>", "F", "d", "R", then "EOF" or "ERR".
Events read_all(const std::string& input, size_t chunk) {
  testing::MemoryStream stream(input, chunk);
  PktReader reader(stream);
  Events events;
  for (int i = 0; i < 1000; ++i) {
    const auto result = reader.read();
    if (std::holds_alternative<PktReader::Eof>(result)) {
      events.emplace_back("EOF");
      return events;
    }
    if (std::holds_alternative<PktReader::Error>(result)) {
      events.emplace_back("ERR");
      return events;
    }
    const auto& packet = std::get<Packet>(result);
    switch (packet.kind) {
      case PacketKind::kData:
        events.push_back("D:" + text(packet.payload));
        break;
      case PacketKind::kFlush:
        events.emplace_back("F");
        break;
      case PacketKind::kDelim:
        events.emplace_back("d");
        break;
      case PacketKind::kResponseEnd:
        events.emplace_back("R");
        break;
    }
  }
  return events;
}

TEST(PktReader, EveryChunkSize) {
  const std::string big(kMaxDataSize, 'b');
  struct Case {
    std::string input;
    Events expected;
  };
  const std::vector<Case> cases = {
      {"", {"EOF"}},
      {PktBuilder().line("want a").line("have b").flush().delim().raw("0002").str(),
       {"D:want a\n", "D:have b\n", "F", "d", "R", "EOF"}},
      {PktBuilder().data(big).data("x").str(), {"D:" + big, "D:x", "EOF"}},
      {PktBuilder().line("ok").raw("000ahel").str(), {"D:ok\n", "ERR"}},
      {PktBuilder().line("ok").raw("zz").str(), {"D:ok\n", "ERR"}},
      {PktBuilder().flush().raw("0003").str(), {"F", "ERR"}},
  };
  for (const Case& c : cases) {
    const size_t max_chunk = std::min<size_t>(c.input.size() + 1, 70);
    for (size_t chunk = 1; chunk <= max_chunk; ++chunk) {
      EXPECT_EQ(read_all(c.input, chunk), c.expected) << "chunk " << chunk;
    }
    EXPECT_EQ(read_all(c.input, 1 << 20), c.expected);
  }
}

// After a push's command list the pack follows: whatever the reader buffered past the
// flush is handed over once, and the rest comes from the stream, at every chunk size.
TEST(PktReader, TakeBufferedHandsOverTheBytesAfterThePackets) {
  const std::string tail = "PACK and more bytes";
  const std::string input = PktBuilder().line("cmd").flush().str() + tail;
  for (size_t chunk = 1; chunk <= input.size() + 1; ++chunk) {
    testing::MemoryStream stream(input, chunk);
    PktReader reader(stream);
    ASSERT_TRUE(std::holds_alternative<Packet>(reader.read()));
    const auto flush = reader.read();
    ASSERT_TRUE(std::holds_alternative<Packet>(flush));
    EXPECT_EQ(std::get<Packet>(flush).kind, PacketKind::kFlush);
    std::string rest = text(reader.take_buffered());
    EXPECT_TRUE(reader.take_buffered().empty()) << "handed over once";
    std::vector<uint8_t> buffer(7);
    for (ptrdiff_t n = 0; (n = stream.read(buffer)) > 0;) {
      rest.append(buffer.begin(), buffer.begin() + n);
    }
    EXPECT_EQ(rest, tail) << "chunk " << chunk;
  }
}

TEST(PktReader, ReadErrorIsAValue) {
  testing::MemoryStream stream("0000");
  stream.fail_reads();
  PktReader reader(stream);
  EXPECT_TRUE(std::holds_alternative<PktReader::Error>(reader.read()));
}

}  // namespace
}  // namespace gitgate::git::pktline
