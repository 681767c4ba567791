// zlib and SHA-1 for one indexing thread: an inflater that checks each entry's stream
// yields exactly its declared size, and git's object id (the SHA-1 of "<type> <size>\0"
// and the bytes), each reusing its state from one object to the next.
#pragma once

#include <openssl/evp.h>
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

class ObjectHasher {
 public:
  ObjectHasher();
  ~ObjectHasher();
  ObjectHasher(const ObjectHasher&) = delete;
  ObjectHasher& operator=(const ObjectHasher&) = delete;

  // type: 1 commit, 2 tree, 3 blob, 4 tag. begin, update any number of times, finish.
  void begin(unsigned type, uint64_t size);
  void update(std::span<const uint8_t> bytes);
  // False if OpenSSL failed.
  bool finish(Oid& out);
  bool hash(unsigned type, std::span<const uint8_t> bytes, Oid& out) {
    begin(type, bytes.size());
    update(bytes);
    return finish(out);
  }

 private:
  EVP_MD_CTX* ctx_;
  EVP_MD* sha1_;
  bool ok_ = false;
};

}  // namespace gitgate::git::detail
