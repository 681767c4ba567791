#include "git/pack/pack_index.h"

#include <fmt/format.h>
#include <git2.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "tests/git/git_fixture.h"

namespace gitgate::git::pack {
namespace {

using Bytes = std::vector<uint8_t>;

struct IndexEntry {
  Bytes oid;  // 20 bytes
  uint32_t crc = 0;
  uint64_t offset = 0;
};

void put32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<uint8_t>(v >> shift));
  }
}

Bytes oid(uint8_t first, uint8_t last) {
  Bytes id(kOidSize, 0x11);
  id.front() = first;
  id.back() = last;
  return id;
}

// An .idx v2 image per gitformat-pack; offsets of 2^31 and above go to the 8-byte table.
// entries must be sorted by oid; the checksums are filler (the parser does not hash).
Bytes build_index(const std::vector<IndexEntry>& entries) {
  Bytes out = {0xff, 't', 'O', 'c'};
  put32(out, 2);
  for (int bucket = 0; bucket < 256; ++bucket) {
    put32(out, static_cast<uint32_t>(std::count_if(entries.begin(), entries.end(),
                                                   [&](auto& e) { return e.oid[0] <= bucket; })));
  }
  for (const IndexEntry& e : entries) {
    out.insert(out.end(), e.oid.begin(), e.oid.end());
  }
  for (const IndexEntry& e : entries) {
    put32(out, e.crc);
  }
  Bytes large;
  uint32_t large_count = 0;
  for (const IndexEntry& e : entries) {
    if (e.offset < 0x80000000U) {
      put32(out, static_cast<uint32_t>(e.offset));
    } else {
      put32(out, 0x80000000U | large_count++);
      put32(large, static_cast<uint32_t>(e.offset >> 32));
      put32(large, static_cast<uint32_t>(e.offset));
    }
  }
  out.insert(out.end(), large.begin(), large.end());
  out.insert(out.end(), kOidSize, 0xaa);  // pack checksum
  out.insert(out.end(), kOidSize, 0xbb);  // index checksum
  return out;
}

std::vector<IndexEntry> sample_entries() {
  return {{oid(0x00, 1), 0x11111111, 12},
          {oid(0x00, 2), 0x22222222, 0x7fffffff},
          {oid(0x5a, 0), 0x33333333, 0x80000000ULL},
          {oid(0x5a, 9), 0x44444444, 40},
          {oid(0xff, 7), 0x55555555, 0x123456789abULL}};
}

std::span<const uint8_t, kOidSize> view(const Bytes& id) {
  return std::span<const uint8_t, kOidSize>(id.data(), kOidSize);
}

TEST(PackIndex, LooksUpEveryEntry) {
  for (const std::vector<IndexEntry>& entries :
       {sample_entries(), std::vector<IndexEntry>{}, std::vector<IndexEntry>{{oid(0x80, 0)}}}) {
    const Bytes bytes = build_index(entries);
    auto parsed = parse_pack_index(bytes);
    ASSERT_TRUE(std::holds_alternative<PackIndex>(parsed)) << std::get<IndexError>(parsed).reason;
    const PackIndex& index = std::get<PackIndex>(parsed);
    ASSERT_EQ(index.size(), entries.size());
    for (uint32_t i = 0; i < entries.size(); ++i) {
      EXPECT_EQ(index.find(view(entries[i].oid)), i);
      EXPECT_EQ(Bytes(index.oid(i).begin(), index.oid(i).end()), entries[i].oid);
      EXPECT_EQ(index.crc32(i), entries[i].crc);
      EXPECT_EQ(index.offset(i), entries[i].offset);
    }
    for (const Bytes& absent :
         {oid(0x00, 0), oid(0x00, 3), oid(0x5a, 5), oid(0xff, 8), oid(0x01, 1), oid(0x80, 1)}) {
      EXPECT_EQ(index.find(view(absent)), std::nullopt);
    }
    EXPECT_EQ(Bytes(index.pack_checksum().begin(), index.pack_checksum().end()),
              Bytes(kOidSize, 0xaa));
  }
}

TEST(PackIndex, EveryTruncationIsAnError) {
  const Bytes bytes = build_index(sample_entries());
  for (size_t n = 0; n < bytes.size(); ++n) {
    // Cutting whole 8-byte groups off the end could still look like a shorter
    // large-offset table; it must then fail the large-offset reference check instead.
    auto parsed = parse_pack_index(std::span<const uint8_t>(bytes.data(), n));
    EXPECT_TRUE(std::holds_alternative<IndexError>(parsed)) << "cut at " << n;
  }
}

TEST(PackIndex, Errors) {
  struct Case {
    std::string name;
    size_t at;  // byte to overwrite
    uint8_t value;
    std::string reason;
  };
  const size_t oids = 8 + 1024;
  const size_t offsets = oids + 5 * (kOidSize + 4);  // 4-byte entries; #4 is at +16
  const std::vector<Case> cases = {
      {"magic", 0, 0xfe, "not a version 2 index (bad magic)"},
      {"version", 7, 3, "unsupported index version 3"},
      {"fanout decreases", 8 + 4 * 0x10 + 3, 0xff, "fanout entry 17 decreases"},
      {"oids unsorted", oids + kOidSize + kOidSize - 1, 0x00, "object names not sorted at 1"},
      {"oid in the wrong bucket", oids + 3 * kOidSize, 0x5b,
       "object 3 is outside its fanout bucket"},
      {"missing large offset", offsets + 16 + 3, 0x05, "object 4 names a missing large offset"},
  };
  for (const Case& c : cases) {
    Bytes bytes = build_index(sample_entries());
    bytes[c.at] = c.value;
    auto parsed = parse_pack_index(bytes);
    ASSERT_TRUE(std::holds_alternative<IndexError>(parsed)) << c.name;
    EXPECT_EQ(std::get<IndexError>(parsed).reason, c.reason) << c.name;
  }
  Bytes odd = build_index(sample_entries());
  odd.insert(odd.begin() + static_cast<ptrdiff_t>(odd.size() - 40), 4, 0);
  EXPECT_EQ(std::get<IndexError>(parse_pack_index(odd)).reason,
            "index size does not match its tables");
  Bytes too_many = build_index({});
  for (size_t i = 8 + 255 * 4; i < 8 + 1024; ++i) {
    too_many[i] = 0xff;
  }
  EXPECT_EQ(std::get<IndexError>(parse_pack_index(too_many)).reason, "too many objects");
}

class PackIndexFromGit : public testing::GitFixture {};

// The index of a real pack agrees with `git show-index` ("<offset> <oid> (<crc>)").
TEST_F(PackIndexFromGit, AgreesWithShowIndex) {
  sh("git init -q -b main src && cd src && for i in 1 2 3 4 5 6; do seq $i 300 > f$i && "
     "git add -A && git commit -qm c$i; done && git repack -adq");
  const std::string idx_path = sh("ls src/.git/objects/pack/*.idx");
  std::ifstream file(dir_ / idx_path.substr(0, idx_path.size() - 1), std::ios::binary);
  const Bytes bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  auto parsed = parse_pack_index(bytes);
  ASSERT_TRUE(std::holds_alternative<PackIndex>(parsed)) << std::get<IndexError>(parsed).reason;
  const PackIndex& index = std::get<PackIndex>(parsed);
  std::istringstream lines(sh("git show-index < " + idx_path));
  std::string line;
  size_t seen = 0;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    uint64_t offset = 0;
    std::string hex;
    std::string crc;
    ASSERT_TRUE(fields >> offset >> hex >> crc) << line;
    git_oid id{};
    ASSERT_EQ(git_oid_fromstrn(&id, hex.data(), hex.size()), 0);
    const auto position = index.find(std::span<const uint8_t, kOidSize>(id.id, kOidSize));
    ASSERT_TRUE(position.has_value()) << hex;
    EXPECT_EQ(index.offset(*position), offset) << hex;
    EXPECT_EQ(fmt::format("({:08x})", index.crc32(*position)), crc) << hex;
    ++seen;
  }
  EXPECT_EQ(seen, index.size());
  EXPECT_GT(seen, 10U);
}

}  // namespace
}  // namespace gitgate::git::pack
