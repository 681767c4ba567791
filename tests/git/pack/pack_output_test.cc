#include "git/pack/pack_output.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <random>
#include <string>
#include <vector>

namespace gitgate::git::pack {
namespace {

class CollectingSink : public PackSink {
 public:
  bool pack_data(std::span<const uint8_t> bytes) override {
    if (refuse_) {
      ++refused_;
      return false;
    }
    chunks_.emplace_back(bytes.begin(), bytes.end());
    return true;
  }
  void progress(std::string_view /*text*/) override {}

  std::vector<uint8_t> all() const {
    std::vector<uint8_t> out;
    for (const auto& chunk : chunks_) {
      out.insert(out.end(), chunk.begin(), chunk.end());
    }
    return out;
  }

  std::vector<std::vector<uint8_t>> chunks_;
  bool refuse_ = false;
  int refused_ = 0;
};

std::vector<uint8_t> random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out) {
    b = static_cast<uint8_t>(rng());
  }
  return out;
}

// Whatever the write sizes, the sink sees the bytes in order, in chunks of at most
// kOutputChunk, followed by the SHA-1 of all of them.
TEST(PackOutput, ChunksAndTrailer) {
  const std::vector<uint8_t> data = random_bytes(3 * kOutputChunk + 123, 1);
  for (size_t piece :
       {size_t{1}, size_t{7}, size_t{4096}, kOutputChunk, kOutputChunk + 1, data.size()}) {
    CollectingSink sink;
    PackOutput out(sink);
    for (size_t i = 0; i < data.size(); i += piece) {
      ASSERT_TRUE(out.write(std::span(data).subspan(i, std::min(piece, data.size() - i))));
    }
    EXPECT_EQ(out.offset(), data.size());
    ASSERT_TRUE(out.finish());
    EXPECT_EQ(out.offset(), data.size() + SHA_DIGEST_LENGTH);
    std::vector<uint8_t> expected = data;
    expected.resize(data.size() + SHA_DIGEST_LENGTH);
    SHA1(data.data(), data.size(), expected.data() + data.size());
    EXPECT_EQ(sink.all(), expected) << piece;
    // Small writes are gathered: every chunk but the data's last and the trailer is full.
    ASSERT_EQ(sink.chunks_.size(), 5U) << piece;  // 3 full, the rest of the data, the trailer
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(sink.chunks_[i].size(), kOutputChunk) << piece << " chunk " << i;
    }
    EXPECT_EQ(sink.chunks_[3].size(), 123U) << piece;
    EXPECT_EQ(sink.chunks_[4].size(), size_t{SHA_DIGEST_LENGTH}) << piece;
  }
}

TEST(PackOutput, StopsAfterARefusal) {
  CollectingSink sink;
  PackOutput out(sink);
  const std::vector<uint8_t> data = random_bytes(kOutputChunk, 2);
  ASSERT_TRUE(out.write(data));  // one full chunk went out
  sink.refuse_ = true;
  EXPECT_FALSE(out.write(data));
  EXPECT_FALSE(out.write(data));
  EXPECT_FALSE(out.finish());
  EXPECT_EQ(sink.refused_, 1);
}

std::vector<uint8_t> inflate_all(const std::vector<uint8_t>& compressed, size_t size) {
  std::vector<uint8_t> out(size + 1);
  uLongf length = out.size();
  EXPECT_EQ(uncompress(out.data(), &length, compressed.data(), compressed.size()), Z_OK);
  out.resize(length);
  return out;
}

TEST(Deflater, RoundTripsOneObjectAfterAnother) {
  Deflater deflater;
  std::vector<uint8_t> text(200000);
  for (size_t i = 0; i < text.size(); ++i) {
    text[i] = static_cast<uint8_t>('a' + i % 7);
  }
  for (const std::vector<uint8_t>& object :
       {std::vector<uint8_t>{}, std::vector<uint8_t>{'x'}, random_bytes(300000, 3), text}) {
    CollectingSink sink;
    PackOutput out(sink);
    ASSERT_TRUE(deflater.compress(object, out));
    const uint64_t compressed_size = out.offset();
    ASSERT_TRUE(out.finish());
    std::vector<uint8_t> compressed = sink.all();
    compressed.resize(compressed_size);
    EXPECT_EQ(inflate_all(compressed, object.size()), object);
  }
}

}  // namespace
}  // namespace gitgate::git::pack
