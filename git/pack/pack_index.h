// A pack's .idx file, version 2 (gitformat-pack "pack-*.idx files have the following
// format", version 2): parsed in place over its bytes, normally an mmap of the file.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>

namespace gitgate::git::pack {

inline constexpr size_t kOidSize = 20;  // SHA-1 repositories only
// An .idx names at most 2^31 objects: the 4-byte offset table spends its top bit.
inline constexpr uint32_t kMaxIndexObjects = 0x7fffffffU;

struct IndexError {
  std::string reason;
};

// A parsed index: views into the bytes it was parsed from, which must outlive it.
class PackIndex {
 public:
  uint32_t size() const { return count_; }
  // The position of oid (20 bytes) in the sorted table, if the pack holds it.
  std::optional<uint32_t> find(std::span<const uint8_t, kOidSize> oid) const;
  std::span<const uint8_t, kOidSize> oid(uint32_t position) const;
  uint32_t crc32(uint32_t position) const;
  uint64_t offset(uint32_t position) const;
  // The SHA-1 of the .pack this index describes (its trailer).
  std::span<const uint8_t, kOidSize> pack_checksum() const;

 private:
  friend std::variant<PackIndex, IndexError> parse_pack_index(std::span<const uint8_t> bytes);
  const uint8_t* fanout_ = nullptr;
  const uint8_t* oids_ = nullptr;
  const uint8_t* crcs_ = nullptr;
  const uint8_t* offsets_ = nullptr;
  const uint8_t* large_offsets_ = nullptr;
  const uint8_t* trailer_ = nullptr;
  uint32_t count_ = 0;
};

// Checks the whole layout (magic, version, monotonic fanout, strictly sorted oids, every
// large-offset reference in range) so that later lookups cannot read out of bounds.
std::variant<PackIndex, IndexError> parse_pack_index(std::span<const uint8_t> bytes);

}  // namespace gitgate::git::pack
