// The .idx (version 2) and .rev of a pack indexed by gitgate's own indexer, byte for byte
// what `git index-pack` writes for the same pack.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "git/receive/detail/pack_scan.h"

namespace gitgate::git::detail {

struct IndexFiles {
  std::vector<uint8_t> idx;
  std::vector<uint8_t> rev;
};

// git writes offsets above this in the 8-byte table (pack-write.c: off32_limit); tests
// lower it, as `git index-pack --index-version=2,<offset>` does.
inline constexpr uint64_t kOff32Limit = 0x7fffffff;

using ByteSink = std::function<bool(std::span<const uint8_t>)>;

// entries in pack order, every id known. Streams the .idx to idx (a sink that returns
// false stops it) and returns the .rev's bytes, or why not: an object present twice is
// refused, since the .idx must list strictly increasing names (git/pack's reader
// insists, as git's --strict does).
std::variant<std::vector<uint8_t>, std::string> write_index_files(
    const std::vector<IndexEntry>& entries, const Oid& pack_checksum, const ByteSink& idx,
    uint64_t off32_limit = kOff32Limit);

// The same, the .idx into memory.
std::variant<IndexFiles, std::string> index_files(const std::vector<IndexEntry>& entries,
                                                  const Oid& pack_checksum,
                                                  uint64_t off32_limit = kOff32Limit);

}  // namespace gitgate::git::detail
