// The byte formats inside a .pack (gitformat-pack "pack-*.pack files have the following
// format"): the 12-byte pack header and each object entry's header, parsed and encoded.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "git/pack/pack_index.h"

namespace gitgate::git::pack {

inline constexpr size_t kPackHeaderSize = 12;
inline constexpr size_t kPackTrailerSize = kOidSize;
// Size varint: 4 bits, then 7 per byte, up to 64 bits: 10 bytes. OFS_DELTA distance: at
// most 10 bytes too. The longest header is the REF_DELTA one: size + 20-byte base.
inline constexpr size_t kMaxEntryHeaderSize = 10 + kOidSize;

enum class EntryType : uint8_t {
  kCommit = 1,
  kTree = 2,
  kBlob = 3,
  kTag = 4,
  kOfsDelta = 6,
  kRefDelta = 7,
};

struct PackHeader {
  uint32_t version = 0;  // 2 or 3, which mean the same
  uint32_t count = 0;
};

struct EntryHeader {
  EntryType type = EntryType::kBlob;
  uint64_t size = 0;                         // inflated size of the object, or of the delta data
  size_t header_length = 0;                  // bytes before the compressed data
  uint64_t base_offset = 0;                  // kOfsDelta: the base entry's offset in the same pack
  std::array<uint8_t, kOidSize> base_oid{};  // kRefDelta: the base object's name
};

struct EntryError {
  std::string reason;
};

std::variant<PackHeader, EntryError> parse_pack_header(std::span<const uint8_t> bytes);

// bytes start at the entry, which sits at entry_offset in its pack (a distance to an
// OFS_DELTA base must land at 12 or later). A header cut short is an error: the caller
// passes the whole entry.
std::variant<EntryHeader, EntryError> parse_entry_header(std::span<const uint8_t> bytes,
                                                         uint64_t entry_offset);

// An encoded header: at most kMaxEntryHeaderSize bytes.
struct EncodedHeader {
  std::array<uint8_t, kMaxEntryHeaderSize> bytes{};
  size_t length = 0;
  std::span<const uint8_t> view() const { return {bytes.data(), length}; }
};

std::array<uint8_t, kPackHeaderSize> encode_pack_header(uint32_t count);
// The type-and-size varint alone (for whole objects and as the start of delta headers).
EncodedHeader encode_entry_header(EntryType type, uint64_t size);
// An OFS_DELTA header: type-and-size, then distance (> 0) back to the base entry.
EncodedHeader encode_ofs_delta_header(uint64_t size, uint64_t distance);
EncodedHeader encode_ref_delta_header(uint64_t size, std::span<const uint8_t, kOidSize> base);

}  // namespace gitgate::git::pack
