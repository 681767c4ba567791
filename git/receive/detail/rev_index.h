// The .rev file beside a pack's .idx (gitformat-pack "pack-*.rev files have the
// following format"), and the files of an indexed pack written the way git leaves them.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "git/pack/pack_index.h"

namespace gitgate::git::detail {

// The .rev bytes for an index: its positions in pack order, then the pack's checksum and
// the SHA-1 of all that. Empty if OpenSSL fails.
std::vector<uint8_t> rev_index_bytes(const pack::PackIndex& index);
// The same from the index positions of the objects in pack order.
std::vector<uint8_t> rev_index_bytes(std::span<const uint32_t> positions,
                                     std::span<const uint8_t, pack::kOidSize> pack_checksum);

// Reads a whole file into out; false if it cannot be read.
bool read_whole_file(const std::filesystem::path& path, std::vector<uint8_t>& out);

// Writes the .rev for the .idx at index (same name, .rev), and sets objects to the
// number it lists. An empty string, or why not.
std::string write_rev_for(const std::filesystem::path& index, uint32_t& objects);

}  // namespace gitgate::git::detail
