// The byte stream of a pack being written: buffered into chunks for the sink, hashed as
// it goes (the trailer is the SHA-1 of everything before it), with the current offset
// (OFS_DELTA distances are measured in it).
#pragma once

#include <openssl/evp.h>
#include <zlib.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "git/pack/digest.h"
#include "git/pack/pack_writer.h"

namespace gitgate::git::pack {

inline constexpr size_t kOutputChunk = 64 * 1024;

class PackOutput {
 public:
  explicit PackOutput(PackSink& sink);
  // False once the sink refused data (the client is gone); later writes are dropped.
  bool write(std::span<const uint8_t> bytes);
  // Appends the SHA-1 trailer and flushes everything to the sink.
  bool finish();
  uint64_t offset() const { return offset_; }

 private:
  bool flush();
  PackSink& sink_;
  detail::Digest sha1_;
  std::vector<uint8_t> buffer_;
  uint64_t offset_ = 0;
  bool ok_ = true;
};

// zlib deflate of whole objects into a PackOutput, one stream reused across objects.
class Deflater {
 public:
  Deflater();
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  // False when zlib fails or the output refused data.
  bool compress(std::span<const uint8_t> data, PackOutput& out);

 private:
  z_stream stream_{};
  bool initialised_ = false;
  std::vector<uint8_t> chunk_;
};

}  // namespace gitgate::git::pack
