// The .idx (version 2) and .rev of a pack indexed by gitgate's own indexer, byte for byte
// what `git index-pack` writes for the same pack.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "git/receive/detail/pack_scan.h"

namespace gitgate::git::detail {

struct IndexFiles {
  std::vector<uint8_t> idx;
  std::vector<uint8_t> rev;
};

// entries in pack order, every id known. An object present twice is refused: the .idx
// must list strictly increasing names (git/pack's reader insists, as git's --strict).
std::variant<IndexFiles, std::string> index_files(const std::vector<IndexEntry>& entries,
                                                  const Oid& pack_checksum);

}  // namespace gitgate::git::detail
