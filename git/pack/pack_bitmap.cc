// gitformat-bitmap, "GIT bitmap v1 format", for a single pack:
//
//   bitmap  = header type-bitmaps entries [name-hashes] [lookup-table] trailer
//   header  = "BITM" version(2 bytes, 1) options(2 bytes) entry-count(4) pack-sha1(20)
//   options = FULL_DAG (0x1, required) | HASH_CACHE (0x4) | LOOKUP_TABLE (0x10)
//   type-bitmaps = commits trees blobs tags       ; four EWAH bitmaps
//   entry   = index-position(4) xor-offset(1) flags(1) EWAH
//   name-hashes  = object-count * 4 bytes         ; with HASH_CACHE
//   lookup-table = entry-count * 12 bytes         ; with LOOKUP_TABLE
//   trailer = SHA-1 of everything before it
//
// Appendix A, an EWAH bitmap:
//   ewah = bit-count(4) word-count(4) word-count * word(8) last-rlw-position(4)
// A run-length word (RLW) is followed by its literal words:
//   bit 0: the bit that fills the run; bits 1..32: the run's length in words;
//   bits 33..63: the number of literal words after it.
// All integers are big-endian; bit n of the bitmap is bit n % 64 of its word n / 64.
#include "git/pack/pack_bitmap.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace gitgate::git::pack {
namespace {

constexpr uint8_t kMagic[4] = {'B', 'I', 'T', 'M'};
constexpr uint16_t kVersion = 1;
constexpr uint16_t kOptFullDag = 0x1;
constexpr uint16_t kOptHashCache = 0x4;
constexpr uint16_t kOptLookupTable = 0x10;
constexpr size_t kTrailerSize = kOidSize;
constexpr size_t kEntryHeaderSize = 4 + 1 + 1;
constexpr size_t kLookupTripletSize = 12;
constexpr size_t kEwahFixedSize = 4 + 4 + 4;
constexpr unsigned kRunLengthBits = 32;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint64_t be64(const uint8_t* p) { return (uint64_t{be32(p)} << 32) | be32(p + 4); }

struct RunLengthWord {
  bool run_bit;
  uint64_t run_words;
  uint64_t literal_words;
};

RunLengthWord decode_rlw(uint64_t word) {
  return {(word & 1U) != 0, (word >> 1) & ((uint64_t{1} << kRunLengthBits) - 1),
          word >> (1 + kRunLengthBits)};
}

}  // namespace

void Bitset::or_with(const Bitset& other) {
  const size_t n = std::min(words_.size(), other.words_.size());
  for (size_t i = 0; i < n; ++i) {
    words_[i] |= other.words_[i];
  }
}

void Bitset::and_with(const Bitset& other) {
  const size_t n = std::min(words_.size(), other.words_.size());
  for (size_t i = 0; i < n; ++i) {
    words_[i] &= other.words_[i];
  }
  std::fill(words_.begin() + static_cast<ptrdiff_t>(n), words_.end(), 0);
}

void Bitset::and_not(const Bitset& other) {
  const size_t n = std::min(words_.size(), other.words_.size());
  for (size_t i = 0; i < n; ++i) {
    words_[i] &= ~other.words_[i];
  }
}

void Bitset::clear_tail() {
  if (bits_ % 64 != 0) {
    words_.back() &= (uint64_t{1} << (bits_ % 64)) - 1;
  }
}

size_t Bitset::count() const {
  size_t total = 0;
  for (const uint64_t word : words_) {
    total += static_cast<size_t>(std::popcount(word));
  }
  return total;
}

std::variant<std::pair<Ewah, size_t>, BitmapError> parse_ewah(std::span<const uint8_t> bytes) {
  if (bytes.size() < kEwahFixedSize) {
    return BitmapError{"truncated EWAH bitmap"};
  }
  Ewah ewah;
  ewah.bit_count = be32(bytes.data());
  const uint32_t word_count = be32(bytes.data() + 4);
  if ((bytes.size() - kEwahFixedSize) / 8 < word_count) {
    return BitmapError{"truncated EWAH bitmap"};
  }
  ewah.words = bytes.subspan(8, size_t{word_count} * 8);
  // Every run-length word's literals must be present, and all words together may cover
  // no more than bit_count bits: xor_into then stays inside its target.
  const uint64_t max_words = (uint64_t{ewah.bit_count} + 63) / 64;
  uint64_t covered = 0;
  for (size_t i = 0; i < word_count;) {
    const RunLengthWord rlw = decode_rlw(be64(ewah.words.data() + i * 8));
    if (rlw.literal_words > word_count - i - 1) {
      return BitmapError{"EWAH literal words run past the end"};
    }
    covered += rlw.run_words + rlw.literal_words;
    if (covered > max_words) {
      return BitmapError{"EWAH words cover more than its bit count"};
    }
    i += 1 + rlw.literal_words;
  }
  return std::pair{ewah, kEwahFixedSize + size_t{word_count} * 8};
}

void xor_into(const Ewah& bitmap, Bitset& out) {
  std::vector<uint64_t>& words = out.words();
  const size_t word_count = bitmap.words.size() / 8;
  size_t at = 0;  // the next word of out
  for (size_t i = 0; i < word_count;) {
    const RunLengthWord rlw = decode_rlw(be64(bitmap.words.data() + i * 8));
    if (rlw.run_bit) {
      for (uint64_t k = 0; k < rlw.run_words; ++k) {
        words[at + k] ^= ~uint64_t{0};
      }
    }
    at += rlw.run_words;
    for (uint64_t k = 0; k < rlw.literal_words; ++k) {
      words[at++] ^= be64(bitmap.words.data() + (i + 1 + k) * 8);
    }
    i += 1 + rlw.literal_words;
  }
}

std::optional<uint32_t> PackBitmap::entry_for(uint32_t index_position) const {
  auto it = std::lower_bound(by_position_.begin(), by_position_.end(),
                             std::pair{index_position, uint32_t{0}});
  if (it == by_position_.end() || it->first != index_position) {
    return std::nullopt;
  }
  return it->second;
}

void PackBitmap::reachable_into(uint32_t entry, Bitset& out, Bitset& scratch) const {
  // An entry's bitmap is its stored bits XOR its base's bitmap, and so on down the chain;
  // bases always precede their entry, so the chain ends.
  scratch.clear();
  for (uint32_t e = entry; e != kNoBase; e = entries_[e].xor_base) {
    xor_into(entries_[e].bits, scratch);
  }
  scratch.clear_tail();  // a damaged bitmap must not name objects past the pack's end
  out.or_with(scratch);
}

std::variant<PackBitmap, BitmapError> parse_pack_bitmap(std::span<const uint8_t> bytes,
                                                        uint32_t object_count) {
  if (bytes.size() < kBitmapHeaderSize + kTrailerSize) {
    return BitmapError{"truncated bitmap"};
  }
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return BitmapError{"not a bitmap (bad magic)"};
  }
  if (const uint16_t version = be16(bytes.data() + 4); version != kVersion) {
    return BitmapError{fmt::format("unsupported bitmap version {}", version)};
  }
  const uint16_t options = be16(bytes.data() + 6);
  if ((options & kOptFullDag) == 0 ||
      (options & ~(kOptFullDag | kOptHashCache | kOptLookupTable)) != 0) {
    return BitmapError{fmt::format("unsupported bitmap options {:#x}", options)};
  }
  const uint32_t entry_count = be32(bytes.data() + 8);
  // What follows the entries, from the end: trailer, lookup table, name hashes.
  uint64_t tail = kTrailerSize;
  tail += (options & kOptLookupTable) != 0 ? uint64_t{entry_count} * kLookupTripletSize : 0;
  tail += (options & kOptHashCache) != 0 ? uint64_t{object_count} * 4 : 0;
  if (bytes.size() < kBitmapHeaderSize + tail) {
    return BitmapError{"truncated bitmap"};
  }
  PackBitmap bitmap;
  bitmap.checksum_ = bytes.data() + 12;
  bitmap.object_count_ = object_count;
  std::span<const uint8_t> rest =
      bytes.subspan(kBitmapHeaderSize, bytes.size() - kBitmapHeaderSize - tail);
  auto next_ewah = [&](Ewah& into) -> std::optional<BitmapError> {
    auto parsed = parse_ewah(rest);
    if (auto* error = std::get_if<BitmapError>(&parsed)) {
      return *error;
    }
    const auto& [ewah, length] = std::get<std::pair<Ewah, size_t>>(parsed);
    // git rounds a bitmap's length up to whole words.
    if ((uint64_t{ewah.bit_count} + 63) / 64 > (uint64_t{object_count} + 63) / 64) {
      return BitmapError{"a bitmap is longer than the pack"};
    }
    into = ewah;
    rest = rest.subspan(length);
    return std::nullopt;
  };
  for (Ewah& type : bitmap.types_) {
    if (auto error = next_ewah(type)) {
      return *error;
    }
  }
  if (entry_count > rest.size() / (kEntryHeaderSize + kEwahFixedSize)) {
    return BitmapError{"truncated bitmap entries"};
  }
  bitmap.entries_.resize(entry_count);
  bitmap.by_position_.reserve(entry_count);
  for (uint32_t i = 0; i < entry_count; ++i) {
    if (rest.size() < kEntryHeaderSize) {
      return BitmapError{"truncated bitmap entries"};
    }
    PackBitmap::Entry& entry = bitmap.entries_[i];
    entry.index_position = be32(rest.data());
    const uint8_t xor_offset = rest[4];
    if (entry.index_position >= object_count) {
      return BitmapError{fmt::format("bitmap entry {} names object {} of {}", i,
                                     entry.index_position, object_count)};
    }
    if (xor_offset > kMaxXorOffset || xor_offset > i) {
      return BitmapError{fmt::format("bitmap entry {} has XOR offset {}", i, xor_offset)};
    }
    entry.xor_base = xor_offset == 0 ? PackBitmap::kNoBase : i - xor_offset;
    rest = rest.subspan(kEntryHeaderSize);
    if (auto error = next_ewah(entry.bits)) {
      return *error;
    }
    bitmap.by_position_.emplace_back(entry.index_position, i);
  }
  std::sort(bitmap.by_position_.begin(), bitmap.by_position_.end());
  if (std::adjacent_find(bitmap.by_position_.begin(), bitmap.by_position_.end(),
                         [](const auto& a, const auto& b) { return a.first == b.first; }) !=
      bitmap.by_position_.end()) {
    return BitmapError{"two bitmap entries for one commit"};
  }
  return bitmap;
}

}  // namespace gitgate::git::pack
