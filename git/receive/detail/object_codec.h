// zlib and object ids for one indexing thread: an inflater (its state reused from one
// entry to the next) that checks each entry's stream yields exactly its declared size,
// and git's object id (the SHA-1 of "<type> <size>\0" and the bytes).
#pragma once

#include <zlib.h>

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace gitgate::git::detail {

using Oid = std::array<uint8_t, 20>;

class Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Inflates the zlib stream at the start of in into out, which must be exactly what it
  // yields. Sets consumed to the stream's compressed length. An empty string, or why not.
  std::string inflate_exact(std::span<const uint8_t> in, std::span<uint8_t> out, size_t& consumed);
  // The same, the output passed to sink piece by piece instead of kept.
  std::string inflate_to(std::span<const uint8_t> in, uint64_t size,
                         const std::function<void(std::span<const uint8_t>)>& sink,
                         size_t& consumed);

 private:
  std::string run(std::span<const uint8_t> in, uint64_t size, std::span<uint8_t> out,
                  const std::function<void(std::span<const uint8_t>)>* sink, size_t& consumed);
  z_stream zs_{};
  bool ok_ = false;
  std::vector<uint8_t> scratch_;
};

// git's object id, computed as git computes it: with SHA-1DC (libgit2's git_odb_hash),
// which refuses the objects built by the known SHA-1 collision attacks ("SHA-1 appears to
// be part of a collision attack", git's hash_object_file) instead of naming them.
class ObjectHasher {
 public:
  ObjectHasher();
  // type: 1 commit, 2 tree, 3 blob, 4 tag. An empty string, or why no id.
  std::string hash(unsigned type, std::span<const uint8_t> bytes, Oid& out);
};

}  // namespace gitgate::git::detail
