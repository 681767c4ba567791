// The first pass over a pack on disk, as git's index-pack parse_pack_objects: every
// entry's place, CRC-32 and declared size; whole objects inflated and hashed (their ids
// known); deltas inflated only to find where they end, their bases recorded for the
// second pass (resolve.h).
#pragma once

#include <cstdint>
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
};

// pack: the whole file. Refuses a bad header, count or entry, bad zlib data, a size over
// limits.max_object_bytes, an OFS_DELTA base that is not an entry, bytes between the
// last entry and the trailer, and a trailer that is not the SHA-1 of the rest.
std::variant<ScannedPack, std::string> scan_pack(std::span<const uint8_t> pack,
                                                 const PushSettings& limits);

// The first data byte of entry e's zlib stream, and the byte after it.
inline uint64_t data_start(const IndexEntry& e) { return e.offset + e.header_length; }
uint64_t entry_end(const ScannedPack& pack, uint32_t entry);

}  // namespace gitgate::git::detail
