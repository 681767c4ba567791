// gitformat-pack, "pack-*.pack files have the following format":
//
//   header  = "PACK" version(4-byte, 2 or 3) count(4-byte)      ; network order
//   entry   = type-size [ofs-distance | base-oid] zlib-data
//   type-size: first byte: MSB more, bits 6..4 type, bits 3..0 size bits 0..3;
//              each next byte: MSB more, 7 more size bits, least significant first
//   ofs-distance (OFS_DELTA): bytes with MSB set in all but the last; the 7-bit
//              groups concatenated most significant first, plus 2^7 + ... + 2^(7*(n-1))
//              for n bytes; the base is at this entry's offset minus the distance
//   base-oid (REF_DELTA): the 20-byte name of the base
#include "git/pack/pack_entry.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>

namespace gitgate::git::pack {
namespace {

constexpr uint8_t kPackMagic[4] = {'P', 'A', 'C', 'K'};
constexpr uint8_t kMore = 0x80;

bool valid_type(unsigned type) { return (type >= 1 && type <= 4) || type == 6 || type == 7; }

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// The OFS_DELTA distance at bytes[pos...]; advances pos.
std::variant<uint64_t, EntryError> parse_distance(std::span<const uint8_t> bytes, size_t& pos) {
  if (pos >= bytes.size()) {
    return EntryError{"truncated delta base offset"};
  }
  uint8_t c = bytes[pos++];
  uint64_t distance = c & 0x7f;
  while ((c & kMore) != 0) {
    if (pos >= bytes.size()) {
      return EntryError{"truncated delta base offset"};
    }
    if (distance + 1 > (std::numeric_limits<uint64_t>::max() >> 7)) {
      return EntryError{"delta base offset overflows"};
    }
    c = bytes[pos++];
    distance = ((distance + 1) << 7) | (c & 0x7f);
  }
  return distance;
}

}  // namespace

std::variant<PackHeader, EntryError> parse_pack_header(std::span<const uint8_t> bytes) {
  if (bytes.size() < kPackHeaderSize) {
    return EntryError{"truncated pack header"};
  }
  if (std::memcmp(bytes.data(), kPackMagic, sizeof kPackMagic) != 0) {
    return EntryError{"not a pack (bad magic)"};
  }
  PackHeader header{be32(bytes.data() + 4), be32(bytes.data() + 8)};
  if (header.version != 2 && header.version != 3) {
    return EntryError{fmt::format("unsupported pack version {}", header.version)};
  }
  return header;
}

std::variant<EntryHeader, EntryError> parse_entry_header(std::span<const uint8_t> bytes,
                                                         uint64_t entry_offset) {
  if (bytes.empty()) {
    return EntryError{"truncated entry header"};
  }
  uint8_t c = bytes[0];
  const unsigned type = (c >> 4) & 0x7;
  if (!valid_type(type)) {
    return EntryError{fmt::format("invalid object type {}", type)};
  }
  EntryHeader header;
  header.type = static_cast<EntryType>(type);
  header.size = c & 0x0f;
  size_t pos = 1;
  unsigned shift = 4;
  while ((c & kMore) != 0) {
    if (pos >= bytes.size()) {
      return EntryError{"truncated entry header"};
    }
    c = bytes[pos++];
    const uint64_t bits = c & 0x7f;
    if (shift >= 64 || bits > (std::numeric_limits<uint64_t>::max() >> shift)) {
      return EntryError{"object size overflows"};
    }
    header.size |= bits << shift;
    shift += 7;
  }
  if (header.type == EntryType::kOfsDelta) {
    auto distance = parse_distance(bytes, pos);
    if (auto* error = std::get_if<EntryError>(&distance)) {
      return *error;
    }
    const uint64_t d = std::get<uint64_t>(distance);
    if (d == 0 || d > entry_offset || entry_offset - d < kPackHeaderSize) {
      return EntryError{"delta base offset outside the pack"};
    }
    header.base_offset = entry_offset - d;
  } else if (header.type == EntryType::kRefDelta) {
    if (bytes.size() - pos < kOidSize) {
      return EntryError{"truncated delta base name"};
    }
    std::memcpy(header.base_oid.data(), bytes.data() + pos, kOidSize);
    pos += kOidSize;
  }
  header.header_length = pos;
  return header;
}

std::array<uint8_t, kPackHeaderSize> encode_pack_header(uint32_t count) {
  return {'P',
          'A',
          'C',
          'K',
          0,
          0,
          0,
          2,
          static_cast<uint8_t>(count >> 24),
          static_cast<uint8_t>(count >> 16),
          static_cast<uint8_t>(count >> 8),
          static_cast<uint8_t>(count)};
}

EncodedHeader encode_entry_header(EntryType type, uint64_t size) {
  EncodedHeader out;
  uint8_t c = static_cast<uint8_t>((static_cast<unsigned>(type) << 4) | (size & 0x0f));
  size >>= 4;
  while (size != 0) {
    out.bytes[out.length++] = c | kMore;
    c = size & 0x7f;
    size >>= 7;
  }
  out.bytes[out.length++] = c;
  return out;
}

EncodedHeader encode_ofs_delta_header(uint64_t size, uint64_t distance) {
  EncodedHeader out = encode_entry_header(EntryType::kOfsDelta, size);
  // Groups come out least significant first; the wire wants them most significant first.
  std::array<uint8_t, 10> groups{};
  size_t n = 0;
  groups[n++] = distance & 0x7f;
  while ((distance >>= 7) != 0) {
    --distance;
    groups[n++] = kMore | (distance & 0x7f);
  }
  while (n > 0) {
    out.bytes[out.length++] = groups[--n];
  }
  return out;
}

EncodedHeader encode_ref_delta_header(uint64_t size, std::span<const uint8_t, kOidSize> base) {
  EncodedHeader out = encode_entry_header(EntryType::kRefDelta, size);
  std::memcpy(out.bytes.data() + out.length, base.data(), kOidSize);
  out.length += kOidSize;
  return out;
}

}  // namespace gitgate::git::pack
