// The first pass over a pack on disk, as git's index-pack parse_pack_objects: every
// entry's place, CRC-32 and declared size; whole objects inflated and hashed (their ids
// known); deltas inflated only to find where they end, their bases recorded for the
// second pass (resolve.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "git/push_settings.h"
#include "git/receive/detail/object_codec.h"

namespace gitgate::git::detail {

struct IndexEntry {
  uint64_t offset = 0;  // of the entry's header in the pack
  uint64_t size = 0;    // declared: the object's size, or its delta data's
  uint32_t crc32 = 0;   // of the entry's bytes, header and zlib data (the .idx's CRC)
  uint32_t base = 0;    // kOfsDelta: the index of the base entry
  uint8_t header_length = 0;
  uint8_t type = 0;       // as in the pack: 1-4, 6 (OFS_DELTA), 7 (REF_DELTA)
  uint8_t real_type = 0;  // 1-4 once known (whole objects: at once; deltas: when resolved)
  Oid oid{};              // once known
  // A delta's inflated data kept from the scan (DeltaCache), or null: inflated again.
  const uint8_t* delta_data = nullptr;
};

// Deltas' data as the scan inflates them, up to a budget, so that the second pass need
// not inflate them again (git's index-pack does; a pack's deltas are most of its
// entries, and small, so zlib's per-stream cost dominates their inflation).
class DeltaCache {
 public:
  static constexpr size_t kBudget = size_t{16} << 20;
  explicit DeltaCache(size_t budget = kBudget) : budget_(budget) {}
  // size bytes to inflate into, or null when the budget is spent.
  uint8_t* reserve(size_t size);

 private:
  static constexpr size_t kBlockSize = size_t{1} << 20;
  std::vector<std::unique_ptr<uint8_t[]>> blocks_;
  size_t block_left_ = 0;
  uint8_t* next_ = nullptr;
  size_t used_ = 0;
  size_t budget_;
};

struct RefDelta {
  Oid base;
  uint32_t entry = 0;
  auto operator<=>(const RefDelta&) const = default;
};

struct ScannedPack {
  std::vector<IndexEntry> entries;   // in pack order
  std::vector<RefDelta> ref_deltas;  // sorted by base name, then entry
  uint32_t deltas = 0;               // OFS_DELTA and REF_DELTA entries
  uint64_t end = 0;                  // where the trailer starts
  Oid checksum{};                    // the trailer, checked
  DeltaCache delta_cache;
};

// pack: the whole file. Refuses a bad header, count or entry, bad zlib data, a size over
// limits.max_object_bytes, an OFS_DELTA base that is not an entry, bytes between the
// last entry and the trailer, and a trailer that is not the SHA-1 of the rest.
// done_with (may be empty) is told, every few MiB and from two threads, that a range of
// bytes [from, to) has been read by one of them (the caller may drop those pages from
// memory: the other reads them again if it needs them).
std::variant<ScannedPack, std::string> scan_pack(
    std::span<const uint8_t> pack, const PushSettings& limits,
    const std::function<void(uint64_t from, uint64_t to)>& done_with = {},
    size_t delta_cache_bytes = DeltaCache::kBudget);

// The first data byte of entry e's zlib stream, and the byte after it.
inline uint64_t data_start(const IndexEntry& e) { return e.offset + e.header_length; }
uint64_t entry_end(const ScannedPack& pack, uint32_t entry);

}  // namespace gitgate::git::detail
