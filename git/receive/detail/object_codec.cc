#include "git/receive/detail/object_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>

namespace gitgate::git::detail {
namespace {

constexpr size_t kScratchSize = size_t{256} << 10;
constexpr std::array<const char*, 5> kTypeNames = {"", "commit", "tree", "blob", "tag"};

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

ObjectHasher::ObjectHasher()
    : ctx_(EVP_MD_CTX_new()), sha1_(EVP_MD_fetch(nullptr, "SHA1", nullptr)) {}

ObjectHasher::~ObjectHasher() {
  EVP_MD_CTX_free(ctx_);
  EVP_MD_free(sha1_);
}

void ObjectHasher::begin(unsigned type, uint64_t size) {
  ok_ = ctx_ != nullptr && sha1_ != nullptr && type >= 1 && type < kTypeNames.size() &&
        EVP_DigestInit_ex(ctx_, sha1_, nullptr) == 1;
  if (ok_) {
    // git's object header: "<type> <decimal size>" and a NUL (hash_object_file).
    std::array<char, 32> header{};
    const size_t name_length = std::strlen(kTypeNames[type]);
    std::memcpy(header.data(), kTypeNames[type], name_length);
    header[name_length] = ' ';
    char* const end =
        std::to_chars(header.data() + name_length + 1, header.data() + header.size() - 1, size).ptr;
    *end = '\0';
    ok_ = EVP_DigestUpdate(ctx_, header.data(), static_cast<size_t>(end - header.data()) + 1) == 1;
  }
}

void ObjectHasher::update(std::span<const uint8_t> bytes) {
  ok_ = ok_ && EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) == 1;
}

bool ObjectHasher::finish(Oid& out) {
  unsigned size = 0;
  ok_ = ok_ && EVP_DigestFinal_ex(ctx_, out.data(), &size) == 1 && size == out.size();
  return ok_;
}

}  // namespace gitgate::git::detail
