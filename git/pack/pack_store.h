// The packs of one repository (objects/pack/pack-*.{idx,pack}), memory-mapped and
// checked once, with lookups by object name and by offset. Read-only: a repack that
// deletes the files later leaves these mappings valid.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "git/pack/pack_bitmap.h"
#include "git/pack/pack_index.h"

namespace gitgate::git::pack {

// A read-only mmap of a whole file; empty for an empty file.
class MappedFile {
 public:
  static std::variant<MappedFile, std::string> open(const std::filesystem::path& path);
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  // Drops the pages of [begin, end) from this process's resident set; the next read of
  // them comes from the page cache again. Reading through the mapping stays valid.
  void release(size_t begin, size_t end) const;

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// One pack and its index, checked to agree (count, checksum, offsets in range), and its
// reachability bitmap when it has a usable one.
class Pack {
 public:
  static std::variant<Pack, std::string> open(const std::filesystem::path& idx_path);
  const PackIndex& index() const { return index_; }
  std::span<const uint8_t> bytes() const { return pack_.bytes(); }
  // See MappedFile::release.
  void release(size_t begin, size_t end) const { pack_.release(begin, end); }
  // nullptr without a .bitmap, or when it could not be used (bitmap_error() says why).
  const PackBitmap* bitmap() const { return bitmap_ ? &*bitmap_ : nullptr; }
  const std::string& bitmap_error() const { return bitmap_error_; }
  // Pack order (a bitmap's bit numbers) to and from .idx positions.
  uint32_t rank(uint32_t position) const { return rank_[position]; }
  uint32_t position_of_rank(uint32_t rank) const { return by_offset_[rank]; }
  // The bytes of the entry at position (header and compressed data): up to the next
  // entry, or to the trailer for the last one.
  std::span<const uint8_t> entry(uint32_t position) const;
  // The position of the entry that starts exactly at offset.
  std::optional<uint32_t> position_at(uint64_t offset) const;

 private:
  void open_bitmap(const std::filesystem::path& bitmap_path);

  MappedFile idx_;
  MappedFile pack_;
  MappedFile bitmap_file_;
  PackIndex index_;
  std::optional<PackBitmap> bitmap_;
  std::string bitmap_error_;
  std::vector<uint64_t> sorted_offsets_;  // every entry's offset, ascending
  std::vector<uint32_t> by_offset_;       // positions in the same order
  std::vector<uint32_t> rank_;            // position -> its place in sorted_offsets_
};

struct Location {
  const Pack* pack = nullptr;
  uint32_t pack_id = 0;  // the pack's place in PackStore::packs()
  uint32_t position = 0;
};

class PackStore {
 public:
  // Opens every pack in pack_dir. Packs that cannot be read or do not match their
  // index are left out (their objects come from elsewhere) and named in skipped().
  static PackStore open(const std::filesystem::path& pack_dir);
  // The store for pack_dir shared by all requests: opened again only when the set of
  // pack files (names, sizes, modification times) changed since, so the work of open
  // (mapping, sorting offsets, parsing bitmaps) is done once per repack, not per request.
  // A few recently used repositories are kept.
  static std::shared_ptr<const PackStore> shared(const std::filesystem::path& pack_dir);
  std::optional<Location> find(std::span<const uint8_t, kOidSize> oid) const;
  const std::vector<Pack>& packs() const { return packs_; }
  const std::vector<std::string>& skipped() const { return skipped_; }
  // The pack whose bitmap answers reachability (git uses one: the largest pack's), or
  // nullptr when no pack has a usable bitmap.
  const Pack* bitmapped() const;

 private:
  std::vector<Pack> packs_;  // largest first: most objects are found in the first
  std::vector<std::string> skipped_;
};

}  // namespace gitgate::git::pack
