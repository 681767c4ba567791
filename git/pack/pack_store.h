// The packs of one repository (objects/pack/pack-*.{idx,pack}), memory-mapped and
// checked once, with lookups by object name and by offset. Read-only: a repack that
// deletes the files later leaves these mappings valid.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

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

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// One pack and its index, checked to agree (count, checksum, offsets in range).
class Pack {
 public:
  static std::variant<Pack, std::string> open(const std::filesystem::path& idx_path);
  const PackIndex& index() const { return index_; }
  std::span<const uint8_t> bytes() const { return pack_.bytes(); }
  // The bytes of the entry at position (header and compressed data): up to the next
  // entry, or to the trailer for the last one.
  std::span<const uint8_t> entry(uint32_t position) const;
  // The position of the entry that starts exactly at offset.
  std::optional<uint32_t> position_at(uint64_t offset) const;

 private:
  MappedFile idx_;
  MappedFile pack_;
  PackIndex index_;
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
  std::optional<Location> find(std::span<const uint8_t, kOidSize> oid) const;
  const std::vector<Pack>& packs() const { return packs_; }
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  std::vector<Pack> packs_;  // largest first: most objects are found in the first
  std::vector<std::string> skipped_;
};

}  // namespace gitgate::git::pack
