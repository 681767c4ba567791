#include "git/detail/pack_file.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "git/pack/pack_entry.h"

namespace gitgate::git::detail {
namespace {

using pack::kPackHeaderSize;
using pack::kPackTrailerSize;

constexpr size_t kReadChunk = size_t{64} << 10;

}  // namespace

bool read_at(int fd, uint8_t* data, size_t size, uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool has_pack_header(int fd, uint64_t size) {
  std::array<uint8_t, kPackHeaderSize> header{};
  return size >= kPackHeaderSize + kPackTrailerSize &&
         read_at(fd, header.data(), header.size(), 0) &&
         std::memcmp(header.data(), "PACK", 4) == 0 && header[4] == 0 && header[5] == 0 &&
         header[6] == 0 && (header[7] == 2 || header[7] == 3);
}

bool is_complete_pack(int fd, uint64_t size) {
  if (!has_pack_header(fd, size)) {
    return false;
  }
  Digest sha1(EVP_sha1());
  std::vector<uint8_t> buffer(kReadChunk);
  const uint64_t body = size - kPackTrailerSize;
  for (uint64_t offset = 0; sha1.ok() && offset < body;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kReadChunk, body - offset));
    if (!read_at(fd, buffer.data(), n, offset)) {
      return false;
    }
    sha1.update(buffer.data(), n);
    offset += n;
  }
  std::array<uint8_t, kPackTrailerSize> trailer{};
  return read_at(fd, trailer.data(), trailer.size(), body) && trailer_matches(sha1, trailer.data());
}

bool trailer_matches(Digest& sha1, const uint8_t* trailer) {
  const auto digest = sha1.finish();
  return digest && digest->size() == kPackTrailerSize &&
         std::memcmp(digest->data(), trailer, kPackTrailerSize) == 0;
}

}  // namespace gitgate::git::detail
