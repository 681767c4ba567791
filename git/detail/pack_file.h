// A pack file read and checked through a file descriptor (the pack cache's entries):
// whole reads and writes that survive EINTR and short transfers, and the pack's own
// integrity check (gitformat-pack: "PACK", version 2 or 3, the object count, the entries,
// then the SHA-1 of all of that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "git/detail/digest.h"

namespace gitgate::git::detail {

// size bytes at offset; false on an error or end of file before size bytes.
bool read_at(int fd, uint8_t* data, size_t size, uint64_t offset);
bool write_all(int fd, std::string_view data);

// The file (of size bytes) starts with a pack header and is long enough for a trailer.
bool has_pack_header(int fd, uint64_t size);
// The whole file is a pack whose trailer is the SHA-1 of what precedes it: a file that is
// short, cut off or altered fails.
bool is_complete_pack(int fd, uint64_t size);
// Whether sha1 (of a pack's body) ends in the 20-byte trailer; finishes sha1.
bool trailer_matches(Digest& sha1, const uint8_t* trailer);

}  // namespace gitgate::git::detail
