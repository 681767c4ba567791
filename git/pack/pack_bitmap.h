// A pack's reachability bitmap index (pack-*.bitmap, gitformat-bitmap "GIT bitmap v1
// format"), written by `git repack -adb`: for selected commits, the set of every object
// reachable from them, one bit per object of the pack in pack order (by offset). Reading
// it replaces walking all trees of a clone. Parsed in place over its bytes, normally an
// mmap of the file, which must outlive it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "git/pack/pack_index.h"

namespace gitgate::git::pack {

// A plain bitset: bit n is the pack's nth object in pack order.
class Bitset {
 public:
  explicit Bitset(size_t bits = 0) : words_((bits + 63) / 64), bits_(bits) {}
  size_t size() const { return bits_; }
  bool test(size_t bit) const {
    return bit < bits_ && ((words_[bit / 64] >> (bit % 64)) & 1U) != 0;
  }
  void set(size_t bit) { words_[bit / 64] |= uint64_t{1} << (bit % 64); }
  void clear() { std::fill(words_.begin(), words_.end(), 0); }
  // Clears the bits of the last word past size().
  void clear_tail();
  void or_with(const Bitset& other);
  void and_with(const Bitset& other);
  void and_not(const Bitset& other);
  size_t count() const;
  // Calls f(bit) for every set bit, in ascending order (bits past size() must be clear).
  template <typename F>
  void for_each(F f) const {
    for (size_t w = 0; w < words_.size(); ++w) {
      for (uint64_t word = words_[w]; word != 0; word &= word - 1) {
        f(w * 64 + static_cast<size_t>(__builtin_ctzll(word)));
      }
    }
  }
  std::vector<uint64_t>& words() { return words_; }

 private:
  std::vector<uint64_t> words_;
  size_t bits_ = 0;
};

struct BitmapError {
  std::string reason;
};

// One EWAH-compressed bitmap (gitformat-bitmap, Appendix A), checked so that applying it
// never reads or writes out of range.
struct Ewah {
  uint32_t bit_count = 0;
  std::span<const uint8_t> words;  // 8-byte big-endian words: run-length words and literals
};

// The EWAH bitmap at the start of bytes and the number of bytes it takes.
std::variant<std::pair<Ewah, size_t>, BitmapError> parse_ewah(std::span<const uint8_t> bytes);
// out ^= bitmap; out must hold at least bitmap.bit_count bits, rounded up to whole words.
void xor_into(const Ewah& bitmap, Bitset& out);

// Object types in the order of the type bitmaps.
enum class BitmapType : uint8_t { kCommit, kTree, kBlob, kTag };

// "BITM", version, options, entry count, then the SHA-1 of the pack.
inline constexpr size_t kBitmapHeaderSize = 4 + 2 + 2 + 4 + kOidSize;

// git's writer XORs an entry against one at most this many entries before it.
inline constexpr uint32_t kMaxXorOffset = 160;

class PackBitmap {
 public:
  uint32_t object_count() const { return object_count_; }
  size_t entry_count() const { return entries_.size(); }
  // The SHA-1 of the pack this bitmap belongs to.
  std::span<const uint8_t, kOidSize> pack_checksum() const {
    return std::span<const uint8_t, kOidSize>(checksum_, kOidSize);
  }
  const Ewah& type(BitmapType type) const { return types_[static_cast<size_t>(type)]; }
  // The entry of the commit at this .idx position, when it was given a bitmap.
  std::optional<uint32_t> entry_for(uint32_t index_position) const;
  // out |= everything reachable from the entry's commit. scratch is overwritten; both
  // hold object_count() bits.
  void reachable_into(uint32_t entry, Bitset& out, Bitset& scratch) const;

 private:
  friend std::variant<PackBitmap, BitmapError> parse_pack_bitmap(std::span<const uint8_t> bytes,
                                                                 uint32_t object_count);
  static constexpr uint32_t kNoBase = UINT32_MAX;
  struct Entry {
    uint32_t index_position = 0;  // of the commit, in the .idx
    uint32_t xor_base = kNoBase;  // the entry this one is XORed against
    Ewah bits;
  };
  std::vector<Entry> entries_;
  std::vector<std::pair<uint32_t, uint32_t>> by_position_;  // (index position, entry), sorted
  Ewah types_[4];
  const uint8_t* checksum_ = nullptr;
  uint32_t object_count_ = 0;
};

// Parses a whole .bitmap of a pack of object_count objects. Only single-pack bitmaps with
// the options git writes (full DAG, name-hash cache, lookup table) are accepted.
std::variant<PackBitmap, BitmapError> parse_pack_bitmap(std::span<const uint8_t> bytes,
                                                        uint32_t object_count);

}  // namespace gitgate::git::pack
