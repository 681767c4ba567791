#include "git/pack/pack_entry.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace gitgate::git::pack {
namespace {

using Bytes = std::vector<uint8_t>;

struct HeaderCase {
  std::string name;
  Bytes bytes;
  uint64_t entry_offset;
  EntryType type;
  uint64_t size;
  size_t header_length;
  uint64_t base_offset;  // kOfsDelta only
};

Bytes oid_bytes(uint8_t fill) { return Bytes(kOidSize, fill); }

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Vectors worked out by hand from the grammar in pack_entry.cc.
std::vector<HeaderCase> header_cases() {
  return {
      {"blob size 0", {0x30}, 12, EntryType::kBlob, 0, 1, 0},
      {"commit size 15", {0x1f}, 12, EntryType::kCommit, 15, 1, 0},
      {"tree size 16", {0xa0, 0x01}, 12, EntryType::kTree, 16, 2, 0},
      {"tag size 0x7ff", {0xcf, 0x7f}, 12, EntryType::kTag, 0x7ff, 2, 0},
      {"blob size 0x800", {0xb0, 0x80, 0x01}, 12, EntryType::kBlob, 0x800, 3, 0},
      {"blob size 2^64-1",
       {0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f},
       12,
       EntryType::kBlob,
       std::numeric_limits<uint64_t>::max(),
       10,
       0},
      {"ofs distance 1", {0x65, 0x01}, 100, EntryType::kOfsDelta, 5, 2, 99},
      {"ofs distance 127", {0x65, 0x7f}, 200, EntryType::kOfsDelta, 5, 2, 73},
      // Two bytes: ((0 + 1) << 7) | 0 = 128.
      {"ofs distance 128", {0x65, 0x80, 0x00}, 200, EntryType::kOfsDelta, 5, 3, 72},
      // ((1 + 1) << 7) | 5 = 261.
      {"ofs distance 261", {0x65, 0x81, 0x05}, 300, EntryType::kOfsDelta, 5, 3, 39},
      {"ofs distance to the first entry", {0x60, 0x01}, 13, EntryType::kOfsDelta, 0, 2, 12},
      {"ref delta", concat({0x73}, oid_bytes(0xab)), 12, EntryType::kRefDelta, 3, 21, 0},
  };
}

TEST(PackEntryHeader, Vectors) {
  for (const HeaderCase& c : header_cases()) {
    SCOPED_TRACE(c.name);
    // Trailing compressed data must not change the result.
    Bytes with_data = concat(c.bytes, {0x78, 0x9c, 0x03});
    for (const Bytes& input : {c.bytes, with_data}) {
      auto parsed = parse_entry_header(input, c.entry_offset);
      ASSERT_TRUE(std::holds_alternative<EntryHeader>(parsed))
          << std::get<EntryError>(parsed).reason;
      const EntryHeader& header = std::get<EntryHeader>(parsed);
      EXPECT_EQ(header.type, c.type);
      EXPECT_EQ(header.size, c.size);
      EXPECT_EQ(header.header_length, c.header_length);
      if (c.type == EntryType::kOfsDelta) {
        EXPECT_EQ(header.base_offset, c.base_offset);
      }
      if (c.type == EntryType::kRefDelta) {
        EXPECT_EQ(Bytes(header.base_oid.begin(), header.base_oid.end()), oid_bytes(0xab));
      }
    }
  }
}

TEST(PackEntryHeader, EveryTruncationIsAnError) {
  for (const HeaderCase& c : header_cases()) {
    for (size_t n = 0; n < c.bytes.size(); ++n) {
      auto parsed = parse_entry_header(std::span<const uint8_t>(c.bytes.data(), n), c.entry_offset);
      EXPECT_TRUE(std::holds_alternative<EntryError>(parsed)) << c.name << " cut at " << n;
    }
  }
}

TEST(PackEntryHeader, Errors) {
  struct ErrorCase {
    std::string name;
    Bytes bytes;
    uint64_t entry_offset;
    std::string reason;
  };
  const std::vector<ErrorCase> cases = {
      {"type 0", {0x05}, 12, "invalid object type 0"},
      {"type 5", {0x55}, 12, "invalid object type 5"},
      {"size over 64 bits",
       {0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f},
       12,
       "object size overflows"},
      {"size varint too long",
       {0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00},
       12,
       "object size overflows"},
      {"ofs distance 0", {0x65, 0x00}, 100, "delta base offset outside the pack"},
      {"ofs before the pack header", {0x65, 0x02}, 13, "delta base offset outside the pack"},
      {"ofs beyond the start", {0x65, 0x80, 0x00}, 100, "delta base offset outside the pack"},
      {"ofs distance overflows",
       {0x65, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
       100,
       "delta base offset overflows"},
  };
  for (const ErrorCase& c : cases) {
    auto parsed = parse_entry_header(c.bytes, c.entry_offset);
    ASSERT_TRUE(std::holds_alternative<EntryError>(parsed)) << c.name;
    EXPECT_EQ(std::get<EntryError>(parsed).reason, c.reason) << c.name;
  }
}

TEST(PackEntryHeader, EncodersRoundTrip) {
  const std::vector<uint64_t> sizes = {0,     1,       15,         16,         0x7ff,
                                       0x800, 1 << 20, 0xffffffff, 1ULL << 40, UINT64_MAX};
  const std::vector<uint64_t> distances = {1,       127,     128,        16511,          16512,
                                           2113663, 2113664, 1ULL << 40, UINT64_MAX >> 2};
  for (uint64_t size : sizes) {
    for (EntryType type :
         {EntryType::kCommit, EntryType::kTree, EntryType::kBlob, EntryType::kTag}) {
      const EncodedHeader encoded = encode_entry_header(type, size);
      auto parsed = parse_entry_header(encoded.view(), 12);
      ASSERT_TRUE(std::holds_alternative<EntryHeader>(parsed)) << size;
      EXPECT_EQ(std::get<EntryHeader>(parsed).type, type);
      EXPECT_EQ(std::get<EntryHeader>(parsed).size, size);
      EXPECT_EQ(std::get<EntryHeader>(parsed).header_length, encoded.length);
    }
    for (uint64_t distance : distances) {
      const uint64_t offset = distance + 12;
      const EncodedHeader encoded = encode_ofs_delta_header(size, distance);
      auto parsed = parse_entry_header(encoded.view(), offset);
      ASSERT_TRUE(std::holds_alternative<EntryHeader>(parsed)) << size << " " << distance;
      EXPECT_EQ(std::get<EntryHeader>(parsed).type, EntryType::kOfsDelta);
      EXPECT_EQ(std::get<EntryHeader>(parsed).size, size);
      EXPECT_EQ(std::get<EntryHeader>(parsed).base_offset, 12U) << distance;
      EXPECT_EQ(std::get<EntryHeader>(parsed).header_length, encoded.length);
    }
    const Bytes base = oid_bytes(0x5a);
    const EncodedHeader encoded =
        encode_ref_delta_header(size, std::span<const uint8_t, kOidSize>(base.data(), kOidSize));
    auto parsed = parse_entry_header(encoded.view(), 12);
    ASSERT_TRUE(std::holds_alternative<EntryHeader>(parsed));
    EXPECT_EQ(std::get<EntryHeader>(parsed).type, EntryType::kRefDelta);
    EXPECT_EQ(std::get<EntryHeader>(parsed).size, size);
    EXPECT_EQ(Bytes(std::get<EntryHeader>(parsed).base_oid.begin(),
                    std::get<EntryHeader>(parsed).base_oid.end()),
              base);
  }
}

TEST(PackHeader, ParseAndEncode) {
  const auto encoded = encode_pack_header(0x01020304);
  EXPECT_EQ(Bytes(encoded.begin(), encoded.end()),
            (Bytes{'P', 'A', 'C', 'K', 0, 0, 0, 2, 1, 2, 3, 4}));
  auto parsed = parse_pack_header(encoded);
  ASSERT_TRUE(std::holds_alternative<PackHeader>(parsed));
  EXPECT_EQ(std::get<PackHeader>(parsed).version, 2U);
  EXPECT_EQ(std::get<PackHeader>(parsed).count, 0x01020304U);
  const Bytes v3 = {'P', 'A', 'C', 'K', 0, 0, 0, 3, 0, 0, 0, 0};
  EXPECT_TRUE(std::holds_alternative<PackHeader>(parse_pack_header(v3)));
  for (size_t n = 0; n < encoded.size(); ++n) {
    EXPECT_TRUE(std::holds_alternative<EntryError>(
        parse_pack_header(std::span<const uint8_t>(encoded.data(), n))))
        << n;
  }
  const Bytes v4 = {'P', 'A', 'C', 'K', 0, 0, 0, 4, 0, 0, 0, 0};
  const Bytes magic = {'P', 'A', 'C', 'X', 0, 0, 0, 2, 0, 0, 0, 0};
  EXPECT_EQ(std::get<EntryError>(parse_pack_header(v4)).reason, "unsupported pack version 4");
  EXPECT_EQ(std::get<EntryError>(parse_pack_header(magic)).reason, "not a pack (bad magic)");
}

}  // namespace
}  // namespace gitgate::git::pack
