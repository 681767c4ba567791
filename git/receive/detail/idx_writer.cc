// gitformat-pack, "pack-*.idx files have the following format", version 2:
//
//   - A 4-byte magic number \377tOc, a 4-byte version number (= 2)
//   - A 256-entry fan-out table: entry N is the number of objects whose first byte is at
//     most N (network order)
//   - A table of sorted object names
//   - A table of 4-byte CRC32 values of the packed object data
//   - A table of 4-byte offset values: "If the MSB is set, the remaining 31 bits are
//     instead an index into the next table of 8-byte offset entries"; git sets it for
//     offsets past 2^31 - 1 (pack-write.c, need_large_offset with off32_limit 0x7fffffff)
//   - The 8-byte offsets, then the pack checksum and the SHA-1 of all of the above.
// The .rev: see rev_index.cc.
#include "git/receive/detail/idx_writer.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>

#include "git/pack/digest.h"
#include "git/receive/detail/rev_index.h"

namespace gitgate::git::detail {
namespace {

// Writes through a small buffer to a sink, hashing as it goes; the SHA-1 ends the file.
class HashingWriter {
 public:
  explicit HashingWriter(const ByteSink& sink) : sink_(sink) { buffer_.reserve(kSize); }

  void put(const uint8_t* data, size_t size) {
    sha1_.update(data, size);
    if (buffer_.size() + size > kSize) {
      flush();
    }
    if (size >= kSize) {
      ok_ = ok_ && sink_({data, size});
      return;
    }
    buffer_.insert(buffer_.end(), data, data + size);
  }
  void put_be32(uint32_t v) {
    const std::array<uint8_t, 4> bytes = {static_cast<uint8_t>(v >> 24),
                                          static_cast<uint8_t>(v >> 16),
                                          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
    put(bytes.data(), bytes.size());
  }
  // False if the sink or OpenSSL failed.
  bool finish() {
    const auto sum = sha1_.finish();
    if (!sum) {
      return false;
    }
    buffer_.insert(buffer_.end(), sum->begin(), sum->end());
    flush();
    return ok_;
  }

 private:
  static constexpr size_t kSize = size_t{64} << 10;
  void flush() {
    ok_ = ok_ && (buffer_.empty() || sink_(buffer_));
    buffer_.clear();
  }
  const ByteSink& sink_;
  Digest sha1_{EVP_sha1()};
  std::vector<uint8_t> buffer_;
  bool ok_ = true;
};

}  // namespace

std::variant<std::vector<uint8_t>, std::string> write_index_files(
    const std::vector<IndexEntry>& entries, const Oid& pack_checksum, const ByteSink& idx,
    uint64_t off32_limit) {
  const auto n = static_cast<uint32_t>(entries.size());
  std::vector<uint32_t> sorted(n);
  std::iota(sorted.begin(), sorted.end(), 0U);
  std::sort(sorted.begin(), sorted.end(),
            [&](uint32_t a, uint32_t b) { return entries[a].oid < entries[b].oid; });
  for (uint32_t i = 1; i < n; ++i) {
    if (entries[sorted[i]].oid == entries[sorted[i - 1]].oid) {
      return fmt::format("pack has object {:02x} twice", fmt::join(entries[sorted[i]].oid, ""));
    }
  }
  HashingWriter out(idx);
  const std::array<uint8_t, 4> magic = {0xff, 't', 'O', 'c'};
  out.put(magic.data(), magic.size());
  out.put_be32(2);
  uint32_t position = 0;
  for (unsigned byte = 0; byte < 256; ++byte) {
    while (position < n && entries[sorted[position]].oid[0] <= byte) {
      ++position;
    }
    out.put_be32(position);
  }
  for (const uint32_t i : sorted) {
    out.put(entries[i].oid.data(), entries[i].oid.size());
  }
  for (const uint32_t i : sorted) {
    out.put_be32(entries[i].crc32);
  }
  uint32_t next_large = 0;
  for (const uint32_t i : sorted) {
    const uint64_t offset = entries[i].offset;
    out.put_be32(offset > off32_limit ? 0x80000000U | next_large++ : static_cast<uint32_t>(offset));
  }
  for (const uint32_t i : sorted) {
    const uint64_t offset = entries[i].offset;
    if (offset > off32_limit) {
      out.put_be32(static_cast<uint32_t>(offset >> 32));
      out.put_be32(static_cast<uint32_t>(offset));
    }
  }
  out.put(pack_checksum.data(), pack_checksum.size());
  if (!out.finish()) {
    return std::string("cannot write the index");
  }
  // The .rev lists, in pack order, each object's position in the .idx.
  std::vector<uint32_t> positions(n);
  for (uint32_t k = 0; k < n; ++k) {
    positions[sorted[k]] = k;
  }
  std::vector<uint8_t> rev = rev_index_bytes(positions, pack_checksum);
  if (rev.empty()) {
    return std::string("SHA-1 failed");
  }
  return rev;
}

std::variant<IndexFiles, std::string> index_files(const std::vector<IndexEntry>& entries,
                                                  const Oid& pack_checksum, uint64_t off32_limit) {
  IndexFiles files;
  auto rev = write_index_files(
      entries, pack_checksum,
      [&files](std::span<const uint8_t> bytes) {
        files.idx.insert(files.idx.end(), bytes.begin(), bytes.end());
        return true;
      },
      off32_limit);
  if (auto* bad = std::get_if<std::string>(&rev)) {
    return std::move(*bad);
  }
  files.rev = std::move(std::get<std::vector<uint8_t>>(rev));
  return files;
}

}  // namespace gitgate::git::detail
