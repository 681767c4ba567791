#include "auth/detail/base64.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gitgate::auth::detail {
namespace {

std::vector<uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }

// RFC 4648 section 10 test vectors.
struct Vector {
  std::string_view plain;
  std::string_view encoded;
};
constexpr Vector kRfcVectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64Test, DecodesRfcVectors) {
  for (const auto& [plain, encoded] : kRfcVectors) {
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, bytes(plain)) << encoded;
  }
}

TEST(Base64Test, EncodesRfcVectors) {
  for (const auto& [plain, encoded] : kRfcVectors) {
    EXPECT_EQ(base64_encode(bytes(plain)), encoded) << plain;
  }
}

TEST(Base64Test, EncodesWithoutPadding) {
  EXPECT_EQ(base64_encode(bytes("f"), false), "Zg");
  EXPECT_EQ(base64_encode(bytes("fo"), false), "Zm8");
  EXPECT_EQ(base64_encode(bytes("foo"), false), "Zm9v");
}

TEST(Base64Test, RoundTripsEveryByteValue) {
  std::vector<uint8_t> all;
  for (int i = 0; i < 256; ++i) {
    all.push_back(static_cast<uint8_t>(i));
    auto decoded = base64_decode(base64_encode(all));
    ASSERT_TRUE(decoded.has_value()) << i;
    EXPECT_EQ(*decoded, all) << i;
  }
}

TEST(Base64Test, RefusesMalformedInput) {
  const std::string_view cases[] = {
      "Zg",            // missing padding
      "Zg=",           // short padding
      "Z===",          // three '='
      "====",          // only padding
      "Zm9v Yg==",     // whitespace
      "Zm=v",          // '=' inside
      "Zm9-",          // URL-safe alphabet
      "Zm9_",          //
      "Zh==",          // non-zero unused bits ("f" is "Zg==")
      "Zm9=",          // non-zero unused bits ("fo" is "Zm8=")
      "Zm9vYg==Zg==",  // padding in the middle
  };
  for (std::string_view text : cases) {
    EXPECT_FALSE(base64_decode(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace gitgate::auth::detail
