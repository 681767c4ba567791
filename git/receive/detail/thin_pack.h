// Completing a thin pack as `git index-pack --fix-thin` does (fix_unresolved_deltas and
// append_obj_to_pack): each missing base, read from the repository, is appended as a
// whole object where the trailer was; then the header's count and the trailer are
// rewritten for the longer pack.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "git/receive/detail/pack_scan.h"

namespace gitgate::git::detail {

class PackAppender {
 public:
  // fd: the pack file, open for writing; original: its bytes as scanned, trailer
  // included; end: where the trailer starts.
  PackAppender(int fd, std::span<const uint8_t> original, uint64_t end)
      : fd_(fd), original_(original), end_(end), original_end_(end) {}

  // Appends the object (type 1-4) and describes it in out. An empty string, or why not.
  std::string append(unsigned type, std::span<const uint8_t> data, const Oid& oid, IndexEntry& out);
  // Writes count into the header and the new trailer, into checksum.
  std::string finish(uint32_t count, Oid& checksum);

 private:
  int fd_;
  std::span<const uint8_t> original_;
  uint64_t end_;
  uint64_t original_end_;
};

}  // namespace gitgate::git::detail
