// A pack file read and checked through a file descriptor (the pack cache's entries):
// opened only when it is our own regular file, whole reads and writes that survive EINTR
// and short transfers, and the pack's own integrity check (gitformat-pack: "PACK", version 2 or 3,
// the object count, the entries, then the SHA-1 of all of that).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "git/pack/digest.h"

namespace gitgate::git::detail {

struct OwnedFile {
  int fd = -1;  // the caller closes it
  struct stat st {};
};

// Opens path (flags as for open(2); O_CLOEXEC is added) only as a regular file owned by the
// effective user: never through a symlink in its last component (ELOOP), never a FIFO or a
// device (opened without blocking, then EINVAL), never another user's file (EPERM). Anything
// else is open(2)'s own error (ENOENT: no such entry).
[[nodiscard]] std::variant<OwnedFile, std::error_code> open_owned(const std::filesystem::path& path,
                                                                  int flags, mode_t mode = 0);

// size bytes at offset; false on an error or end of file before size bytes.
bool read_at(int fd, uint8_t* data, size_t size, uint64_t offset);
bool write_all(int fd, std::string_view data);

// Sets the file's access time to now, leaving its modification time: the pack cache's
// entries are LRU by access time, whatever the mount's atime policy.
void mark_used(int fd);

// The file (of size bytes) starts with a pack header and is long enough for a trailer.
bool has_pack_header(int fd, uint64_t size);

// Checks a pack as it streams by, in pieces of any size: complete() says whether what was
// fed is a whole pack, its trailer the SHA-1 of everything before it. A stream that is
// short, cut off or altered fails. The last 20 bytes seen are held back from the digest
// until the end shows whether they are the trailer.
class PackChecker {
 public:
  void feed(std::span<const uint8_t> bytes);
  // Only once, after the last feed().
  bool complete();

 private:
  Digest sha1_{EVP_sha1()};
  std::vector<uint8_t> head_;  // the first bytes, up to the pack header's size
  std::vector<uint8_t> tail_;  // the last bytes fed, not yet hashed (at most a trailer)
  uint64_t size_ = 0;
};

}  // namespace gitgate::git::detail
