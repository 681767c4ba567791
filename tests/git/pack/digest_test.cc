// The digest wrapper against the FIPS 180 test vectors for "abc" and the empty string,
// fed whole and in pieces.
#include "git/pack/digest.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace gitgate::git::detail {
namespace {

std::string hex(const std::vector<uint8_t>& bytes) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  for (const uint8_t byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xf];
  }
  return out;
}

TEST(Digest, KnownVectorsInEverySplit) {
  struct Case {
    const EVP_MD* md;
    std::string input;
    std::string expected;
  };
  const Case cases[] = {
      {EVP_sha1(), "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {EVP_sha1(), "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
      {EVP_sha256(), "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
  };
  for (const Case& c : cases) {
    for (size_t split = 0; split <= c.input.size(); ++split) {
      Digest digest(c.md);
      ASSERT_TRUE(digest.ok());
      digest.update(c.input.data(), split);
      digest.update(c.input.data() + split, c.input.size() - split);
      const auto result = digest.finish();
      ASSERT_TRUE(result.has_value());
      EXPECT_EQ(hex(*result), c.expected) << c.input << " split at " << split;
    }
  }
}

}  // namespace
}  // namespace gitgate::git::detail
