#include "git/pack/pack_output.h"

#include <algorithm>
#include <array>
#include <limits>

namespace gitgate::git::pack {

PackOutput::PackOutput(PackSink& sink) : sink_(sink), sha1_(EVP_sha1()) {
  buffer_.reserve(kOutputChunk);
  ok_ = sha1_.ok();
}

bool PackOutput::write(std::span<const uint8_t> bytes) {
  while (ok_ && !bytes.empty()) {
    const size_t n = std::min(bytes.size(), kOutputChunk - buffer_.size());
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
    bytes = bytes.subspan(n);
    offset_ += n;
    if (buffer_.size() == kOutputChunk) {
      flush();
    }
  }
  return ok_;
}

bool PackOutput::flush() {
  if (ok_ && !buffer_.empty()) {
    sha1_.update(buffer_.data(), buffer_.size());
    ok_ = sha1_.ok() && sink_.pack_data(buffer_);
  }
  buffer_.clear();
  return ok_;
}

bool PackOutput::finish() {
  if (!flush()) {
    return false;
  }
  const auto digest = sha1_.finish();
  if (!digest) {
    ok_ = false;
    return false;
  }
  // The trailer is not part of what it hashes: straight to the sink.
  ok_ = sink_.pack_data(*digest);
  offset_ += digest->size();
  return ok_;
}

Deflater::Deflater() : chunk_(kOutputChunk) {
  initialised_ = deflateInit(&stream_, Z_DEFAULT_COMPRESSION) == Z_OK;
}

Deflater::~Deflater() {
  if (initialised_) {
    deflateEnd(&stream_);
  }
}

bool Deflater::compress(std::span<const uint8_t> data, PackOutput& out) {
  if (!initialised_ || deflateReset(&stream_) != Z_OK) {
    return false;
  }
  // zlib counts in uInt: feed the input in pieces that fit.
  constexpr size_t kMaxPiece = std::numeric_limits<uInt>::max();
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    if (stream_.avail_in == 0) {
      const size_t piece = std::min(data.size(), kMaxPiece);
      stream_.next_in = const_cast<Bytef*>(data.data());
      stream_.avail_in = static_cast<uInt>(piece);
      data = data.subspan(piece);
    }
    stream_.next_out = chunk_.data();
    stream_.avail_out = static_cast<uInt>(chunk_.size());
    status = deflate(&stream_, data.empty() ? Z_FINISH : Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
      return false;
    }
    if (!out.write(std::span(chunk_.data(), chunk_.size() - stream_.avail_out))) {
      return false;
    }
  }
  return true;
}

}  // namespace gitgate::git::pack
