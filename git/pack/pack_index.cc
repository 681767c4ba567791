// gitformat-pack, "Version 2 pack-*.idx files support packs larger than 4 GiB":
//
//   idx     = magic version fanout oids crcs offsets large-offsets pack-sha1 idx-sha1
//   magic   = %xFF %x74 %x4F %x63            ; "\377tOc"
//   version = 4-byte network order, 2
//   fanout  = 256 * 4-byte count            ; objects whose first oid byte <= i
//   oids    = N * 20-byte sorted object names
//   crcs    = N * 4-byte CRC32 of the packed entry (header + compressed data)
//   offsets = N * 4-byte; top bit clear: the offset, set: index into large-offsets
//   large-offsets = M * 8-byte offsets
#include "git/pack/pack_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace gitgate::git::pack {
namespace {

constexpr uint8_t kMagic[4] = {0xff, 't', 'O', 'c'};
constexpr uint32_t kVersion = 2;
constexpr size_t kHeaderSize = 8;
constexpr size_t kFanoutSize = size_t{256} * 4;
constexpr size_t kTrailerSize = 2 * kOidSize;
constexpr size_t kPerObject = kOidSize + 4 + 4;  // oid, crc, offset
constexpr uint32_t kLargeOffsetFlag = 0x80000000U;

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint64_t be64(const uint8_t* p) { return (uint64_t{be32(p)} << 32) | be32(p + 4); }

std::optional<IndexError> check_fanout(const uint8_t* fanout) {
  uint32_t previous = 0;
  for (size_t i = 0; i < 256; ++i) {
    const uint32_t value = be32(fanout + 4 * i);
    if (value < previous) {
      return IndexError{fmt::format("fanout entry {} decreases", i)};
    }
    previous = value;
  }
  if (previous > kMaxIndexObjects) {
    return IndexError{"too many objects"};
  }
  return std::nullopt;
}

// Binary search relies on the order, and the fanout on the first bytes.
std::optional<IndexError> check_oids(const uint8_t* fanout, const uint8_t* oids, uint32_t count) {
  uint32_t first_byte = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* oid = oids + size_t{i} * kOidSize;
    if (i > 0 && std::memcmp(oid - kOidSize, oid, kOidSize) >= 0) {
      return IndexError{fmt::format("object names not sorted at {}", i)};
    }
    while (be32(fanout + 4 * size_t{first_byte}) <= i) {
      ++first_byte;  // terminates: fanout[255] == count > i
    }
    if (oid[0] != first_byte) {
      return IndexError{fmt::format("object {} is outside its fanout bucket", i)};
    }
  }
  return std::nullopt;
}

std::optional<IndexError> check_offsets(const uint8_t* offsets, uint32_t count,
                                        size_t large_count) {
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t value = be32(offsets + 4 * size_t{i});
    if ((value & kLargeOffsetFlag) != 0 && (value & ~kLargeOffsetFlag) >= large_count) {
      return IndexError{fmt::format("object {} names a missing large offset", i)};
    }
  }
  return std::nullopt;
}

}  // namespace

std::variant<PackIndex, IndexError> parse_pack_index(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderSize + kFanoutSize + kTrailerSize) {
    return IndexError{"truncated index"};
  }
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return IndexError{"not a version 2 index (bad magic)"};
  }
  if (const uint32_t version = be32(bytes.data() + 4); version != kVersion) {
    return IndexError{fmt::format("unsupported index version {}", version)};
  }
  PackIndex index;
  index.fanout_ = bytes.data() + kHeaderSize;
  if (auto error = check_fanout(index.fanout_)) {
    return *error;
  }
  index.count_ = be32(index.fanout_ + kFanoutSize - 4);
  const size_t fixed = kHeaderSize + kFanoutSize + kTrailerSize;
  const size_t tables = size_t{index.count_} * kPerObject;
  if (bytes.size() < fixed + tables) {
    return IndexError{"truncated index"};
  }
  const size_t large_bytes = bytes.size() - fixed - tables;
  if (large_bytes % 8 != 0) {
    return IndexError{"index size does not match its tables"};
  }
  index.oids_ = index.fanout_ + kFanoutSize;
  index.crcs_ = index.oids_ + size_t{index.count_} * kOidSize;
  index.offsets_ = index.crcs_ + size_t{index.count_} * 4;
  index.large_offsets_ = index.offsets_ + size_t{index.count_} * 4;
  index.trailer_ = index.large_offsets_ + large_bytes;
  if (auto error = check_oids(index.fanout_, index.oids_, index.count_)) {
    return *error;
  }
  if (auto error = check_offsets(index.offsets_, index.count_, large_bytes / 8)) {
    return *error;
  }
  return index;
}

std::optional<uint32_t> PackIndex::find(std::span<const uint8_t, kOidSize> oid) const {
  const uint8_t first = oid[0];
  uint32_t low = first == 0 ? 0 : be32(fanout_ + 4 * (size_t{first} - 1));
  uint32_t high = be32(fanout_ + 4 * size_t{first});
  while (low < high) {
    const uint32_t middle = low + (high - low) / 2;
    const int order = std::memcmp(oids_ + size_t{middle} * kOidSize, oid.data(), kOidSize);
    if (order == 0) {
      return middle;
    }
    if (order < 0) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return std::nullopt;
}

std::span<const uint8_t, kOidSize> PackIndex::oid(uint32_t position) const {
  return std::span<const uint8_t, kOidSize>(oids_ + size_t{position} * kOidSize, kOidSize);
}

uint32_t PackIndex::crc32(uint32_t position) const { return be32(crcs_ + 4 * size_t{position}); }

uint64_t PackIndex::offset(uint32_t position) const {
  const uint32_t value = be32(offsets_ + 4 * size_t{position});
  if ((value & kLargeOffsetFlag) == 0) {
    return value;
  }
  return be64(large_offsets_ + 8 * size_t{value & ~kLargeOffsetFlag});
}

std::span<const uint8_t, kOidSize> PackIndex::pack_checksum() const {
  return std::span<const uint8_t, kOidSize>(trailer_, kOidSize);
}

}  // namespace gitgate::git::pack
