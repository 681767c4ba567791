// gitformat-pack, "pack-*.rev files have the following format":
//
//   - A 4-byte magic number 0x52494458 ('RIDX').
//   - A 4-byte version identifier (= 1).
//   - A 4-byte hash function identifier (= 1 for SHA-1, 2 for SHA-256).
//   - A table of index positions (one per packed object, num_objects in total, each a
//     4-byte unsigned integer in network order), sorted by their corresponding offsets
//     in the packfile.
//   - A trailer, containing a: checksum of the corresponding packfile, and a checksum of
//     all of the above.
#include "git/receive/detail/rev_index.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numeric>

#include "git/pack/digest.h"
#include "git/receive/detail/atomic_file.h"

namespace gitgate::git::detail {
namespace {

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

}  // namespace

std::vector<uint8_t> rev_index_bytes(const pack::PackIndex& index) {
  std::vector<uint32_t> order(index.size());
  std::iota(order.begin(), order.end(), 0U);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return index.offset(a) < index.offset(b); });
  return rev_index_bytes(order, index.pack_checksum());
}

std::vector<uint8_t> rev_index_bytes(std::span<const uint32_t> positions,
                                     std::span<const uint8_t, pack::kOidSize> pack_checksum) {
  std::vector<uint8_t> out;
  out.reserve(12 + (size_t{4} * positions.size()) + (2 * pack::kOidSize));
  out.insert(out.end(), {'R', 'I', 'D', 'X'});
  put_be32(out, 1);  // version
  put_be32(out, 1);  // SHA-1
  for (const uint32_t position : positions) {
    put_be32(out, position);
  }
  out.insert(out.end(), pack_checksum.begin(), pack_checksum.end());
  Digest sha1(EVP_sha1());
  sha1.update(out.data(), out.size());
  const auto sum = sha1.finish();
  if (!sum) {
    return {};
  }
  out.insert(out.end(), sum->begin(), sum->end());
  return out;
}

bool read_whole_file(const std::filesystem::path& path, std::vector<uint8_t>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

std::string write_rev_for(const std::filesystem::path& index, uint32_t& objects) {
  std::vector<uint8_t> bytes;
  if (!read_whole_file(index, bytes)) {
    return "cannot read " + index.string();
  }
  auto parsed = pack::parse_pack_index(bytes);
  if (const auto* bad = std::get_if<pack::IndexError>(&parsed)) {
    return "the new index is unreadable: " + bad->reason;
  }
  const auto& parsed_index = std::get<pack::PackIndex>(parsed);
  objects = parsed_index.size();
  const std::vector<uint8_t> rev = rev_index_bytes(parsed_index);
  if (rev.empty()) {
    return "SHA-1 failed";
  }
  std::filesystem::path rev_path = index;
  rev_path.replace_extension(".rev");
  return write_file_atomically(rev_path, rev);
}

}  // namespace gitgate::git::detail
