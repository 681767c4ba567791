#include "git/receive/detail/object_codec.h"

#include <fmt/format.h>
#include <git2.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "git/pack/libgit2.h"

namespace gitgate::git::detail {
namespace {

constexpr size_t kScratchSize = size_t{256} << 10;

}  // namespace

Inflater::Inflater() : ok_(inflateInit(&zs_) == Z_OK) {}

Inflater::~Inflater() {
  if (ok_) {
    inflateEnd(&zs_);
  }
}

std::string Inflater::inflate_exact(std::span<const uint8_t> in, std::span<uint8_t> out,
                                    size_t& consumed) {
  return run(in, out.size(), out, nullptr, consumed);
}

std::string Inflater::inflate_to(std::span<const uint8_t> in, uint64_t size,
                                 const std::function<void(std::span<const uint8_t>)>& sink,
                                 size_t& consumed) {
  if (scratch_.empty()) {
    scratch_.resize(kScratchSize);
  }
  return run(in, size, {}, &sink, consumed);
}

// Output goes to out, or through scratch_ to sink. Room is never given for more than one
// byte past the declared size, so an overlong stream is caught without inflating it all.
std::string Inflater::run(std::span<const uint8_t> in, uint64_t size, std::span<uint8_t> out,
                          const std::function<void(std::span<const uint8_t>)>* sink,
                          size_t& consumed) {
  if (!ok_ || inflateReset(&zs_) != Z_OK) {
    return "zlib failed";
  }
  uint8_t spare = 0;                              // the one byte past out
  zs_.next_in = const_cast<uint8_t*>(in.data());  // zlib's API is not const; it only reads
  zs_.avail_in = 0;  // inflateReset keeps the last object's; filled below
  size_t in_left = in.size();
  uint64_t produced = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs_.avail_in == 0) {
      zs_.avail_in = static_cast<uInt>(std::min<size_t>(in_left, UINT_MAX));
      in_left -= zs_.avail_in;
    }
    uint8_t* chunk = nullptr;
    size_t room = 0;
    if (sink != nullptr) {
      chunk = scratch_.data();
      room = static_cast<size_t>(std::min<uint64_t>(scratch_.size(), size - produced + 1));
    } else if (produced < size) {
      chunk = out.data() + produced;
      room = static_cast<size_t>(std::min<uint64_t>(size - produced, UINT_MAX));
    } else {
      chunk = &spare;
      room = 1;
    }
    zs_.next_out = chunk;
    zs_.avail_out = static_cast<uInt>(room);
    rc = inflate(&zs_, Z_NO_FLUSH);
    const size_t got = room - zs_.avail_out;
    produced += got;
    if (produced > size) {
      return fmt::format("inflates to more than its {} bytes", size);
    }
    if (sink != nullptr && got > 0) {
      (*sink)({chunk, got});
    }
    if (rc == Z_BUF_ERROR && zs_.avail_in == 0 && in_left == 0) {
      return "zlib data cut short";
    }
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      return "bad zlib data";
    }
  }
  if (produced != size) {
    return fmt::format("inflates to {} bytes, not its {}", produced, size);
  }
  consumed = in.size() - in_left - zs_.avail_in;
  return {};
}

ObjectHasher::ObjectHasher() { ensure_libgit2(); }

std::string ObjectHasher::hash(unsigned type, std::span<const uint8_t> bytes, Oid& out) {
  if (type < 1 || type > 4) {
    return "has no object type";
  }
  git_oid id;
  if (git_odb_hash(&id, bytes.data(), bytes.size(), static_cast<git_object_t>(type)) != 0) {
    return "cannot be named: " + last_error("SHA-1 failed");
  }
  std::memcpy(out.data(), id.id, out.size());
  return {};
}

}  // namespace gitgate::git::detail
