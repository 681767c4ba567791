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
#include <cstring>
#include <numeric>

#include "git/pack/digest.h"
#include "git/receive/detail/rev_index.h"

namespace gitgate::git::detail {
namespace {

void put_be32(uint8_t*& p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
  p += 4;
}

}  // namespace

std::variant<IndexFiles, std::string> index_files(const std::vector<IndexEntry>& entries,
                                                  const Oid& pack_checksum, uint64_t off32_limit) {
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
  size_t large = 0;
  for (const IndexEntry& e : entries) {
    large += e.offset > off32_limit ? 1 : 0;
  }
  IndexFiles files;
  auto& idx = files.idx;
  idx.resize(8 + (256 * 4) + (size_t{n} * (20 + 4 + 4)) + (large * 8) + 40);
  uint8_t* p = idx.data();
  const uint8_t magic[] = {0xff, 't', 'O', 'c'};
  std::memcpy(p, magic, 4);
  p += 4;
  put_be32(p, 2);
  uint32_t position = 0;
  for (unsigned byte = 0; byte < 256; ++byte) {
    while (position < n && entries[sorted[position]].oid[0] <= byte) {
      ++position;
    }
    put_be32(p, position);
  }
  for (const uint32_t i : sorted) {
    std::memcpy(p, entries[i].oid.data(), 20);
    p += 20;
  }
  for (const uint32_t i : sorted) {
    put_be32(p, entries[i].crc32);
  }
  uint32_t next_large = 0;
  for (const uint32_t i : sorted) {
    const uint64_t offset = entries[i].offset;
    put_be32(p, offset > off32_limit ? 0x80000000U | next_large++ : static_cast<uint32_t>(offset));
  }
  for (const uint32_t i : sorted) {
    const uint64_t offset = entries[i].offset;
    if (offset > off32_limit) {
      put_be32(p, static_cast<uint32_t>(offset >> 32));
      put_be32(p, static_cast<uint32_t>(offset));
    }
  }
  std::memcpy(p, pack_checksum.data(), 20);
  p += 20;
  Digest sha1(EVP_sha1());
  sha1.update(idx.data(), static_cast<size_t>(p - idx.data()));
  const auto sum = sha1.finish();
  if (!sum) {
    return std::string("SHA-1 failed");
  }
  std::memcpy(p, sum->data(), 20);

  // The .rev lists, in pack order, each object's position in the .idx.
  std::vector<uint32_t> positions(n);
  for (uint32_t k = 0; k < n; ++k) {
    positions[sorted[k]] = k;
  }
  files.rev = rev_index_bytes(positions, pack_checksum);
  if (files.rev.empty()) {
    return std::string("SHA-1 failed");
  }
  return files;
}

}  // namespace gitgate::git::detail
