#include "git/receive/detail/thin_pack.h"

#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "git/pack/digest.h"
#include "git/pack/pack_entry.h"

namespace gitgate::git::detail {
namespace {

namespace pack = gitgate::git::pack;

bool pwrite_all(int fd, const uint8_t* data, size_t size, uint64_t offset) {
  while (size > 0) {
    const ssize_t n = pwrite(fd, data, size, static_cast<off_t>(offset));
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

}  // namespace

std::string PackAppender::append(unsigned type, std::span<const uint8_t> data, const Oid& oid,
                                 IndexEntry& out) {
  const pack::EncodedHeader header =
      pack::encode_entry_header(static_cast<pack::EntryType>(type), data.size());
  std::vector<uint8_t> bytes(header.length + compressBound(data.size()));
  std::memcpy(bytes.data(), header.bytes.data(), header.length);
  uLongf length = bytes.size() - header.length;
  // git deflates appended bases at core.compression's default, Z_BEST_SPEED
  // (environment.c: zlib_compression_level), as one stream with Z_FINISH: compress2.
  if (compress2(bytes.data() + header.length, &length, data.data(), data.size(), Z_BEST_SPEED) !=
      Z_OK) {
    return "zlib failed";
  }
  bytes.resize(header.length + length);
  if (!pwrite_all(fd_, bytes.data(), bytes.size(), end_)) {
    return std::string("cannot write the pack: ") + strerror(errno);
  }
  out = IndexEntry{};
  out.offset = end_;
  out.size = data.size();
  out.crc32 = static_cast<uint32_t>(crc32_z(0, bytes.data(), bytes.size()));
  out.header_length = static_cast<uint8_t>(header.length);
  out.type = static_cast<uint8_t>(type);
  out.real_type = out.type;
  out.oid = oid;
  end_ += bytes.size();
  return {};
}

std::string PackAppender::finish(uint32_t count, Oid& checksum) {
  std::array<uint8_t, pack::kPackHeaderSize> header{};
  std::memcpy(header.data(), original_.data(), 8);  // "PACK" and the version, kept
  const auto encoded = pack::encode_pack_header(count);
  std::memcpy(header.data() + 8, encoded.data() + 8, 4);
  if (!pwrite_all(fd_, header.data(), header.size(), 0)) {
    return std::string("cannot write the pack: ") + strerror(errno);
  }
  Digest sha1(EVP_sha1());
  sha1.update(header.data(), header.size());
  sha1.update(original_.data() + header.size(), original_end_ - header.size());
  std::vector<uint8_t> buffer(size_t{1} << 20);
  for (uint64_t at = original_end_; at < end_;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), end_ - at));
    const ssize_t n = pread(fd_, buffer.data(), want, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return "cannot read the pack back";
    }
    sha1.update(buffer.data(), static_cast<size_t>(n));
    at += static_cast<uint64_t>(n);
  }
  const auto sum = sha1.finish();
  if (!sum || sum->size() != checksum.size()) {
    return "SHA-1 failed";
  }
  std::memcpy(checksum.data(), sum->data(), checksum.size());
  if (!pwrite_all(fd_, checksum.data(), checksum.size(), end_) ||
      ftruncate(fd_, static_cast<off_t>(end_ + checksum.size())) != 0) {
    return std::string("cannot write the pack: ") + strerror(errno);
  }
  return {};
}

}  // namespace gitgate::git::detail
