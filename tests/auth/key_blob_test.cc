// auth/key_blob.cc: a key blob from libssh's base64, and its fingerprint as ssh-keygen -l prints
// it.
#include "auth/key_blob.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tests/auth/test_keys.h"

namespace gitgate::auth {
namespace {

// The base64 field of an authorized_keys / .pub line.
std::string_view base64_of(std::string_view line) {
  const size_t start = line.find(' ') + 1;
  return line.substr(start, line.find(' ', start) - start);
}

TEST(KeyBlob, DecodesAndFingerprintsAsSshKeygen) {
  for (const auto& key : {testing::kAliceEd25519, testing::kBobEd25519, testing::kCarolRsa}) {
    const auto blob = decode_key_blob(base64_of(key.line));
    ASSERT_TRUE(blob.has_value()) << key.line;
    EXPECT_EQ(fingerprint(*blob), key.fingerprint) << key.line;
    EXPECT_EQ(encode_key_blob(*blob), base64_of(key.line)) << key.line;
  }
}

TEST(KeyBlob, RefusesWhatIsNotStrictBase64) {
  for (const std::string_view text : {"!!!!", "AAAA AAAA", "AAA", "AAAAC3Nz\n"}) {
    EXPECT_FALSE(decode_key_blob(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace gitgate::auth
