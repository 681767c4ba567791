// auth/detail/krl.cc: every truncation of ssh-keygen's KRLs, and KRLs built section by
// section with each rule OpenSSH's krl.c enforces.
#include "auth/detail/krl.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/detail/base64.h"
#include "tests/auth/cert_builder.h"
#include "tests/auth/test_certificates.h"

namespace gitgate::auth::detail {
namespace {

using testing::Blob;
using testing::KrlBuilder;

// ssh-keygen writes an empty reserved string and an empty comment: 8 + 4 + 3 * 8 + 4 + 4.
constexpr size_t kHeaderBytes = 44;

// Each of ssh-keygen's KRLs holds one section: a prefix parses only when it ends at the
// header's end (a KRL with no section) or is the whole file.
TEST(Krl, EveryTruncationEndingInsideASectionIsRefused) {
  for (const std::string_view base64 :
       {testing::kKrlSerial42, testing::kKrlRange40To45, testing::kKrlBitmap, testing::kKrlKeyId,
        testing::kKrlUserEd25519Key, testing::kKrlUserP256Hash, testing::kKrlCaP384Key}) {
    const Blob bytes = base64_decode(base64).value();
    for (size_t length = 0; length <= bytes.size(); ++length) {
      const bool parses = std::holds_alternative<Krl>(parse_krl(Bytes(bytes.data(), length)));
      EXPECT_EQ(parses, length == kHeaderBytes || length == bytes.size())
          << base64.substr(0, 30) << " cut at " << length;
    }
  }
}

Blob u64s(std::initializer_list<uint64_t> values) {
  Blob out;
  for (const uint64_t value : values) {
    testing::put_u64(out, value);
  }
  return out;
}

Blob extension(bool critical) {
  Blob out;
  put_string(out, "x@example.com");
  out.push_back(critical ? 1 : 0);
  put_string(out, "");
  return out;
}

TEST(Krl, RefusesWhatOpenSshRefuses) {
  Blob nul_id;
  put_string(nul_id, std::string_view("a\0b", 3));
  const std::vector<std::pair<std::string, Blob>> table{
      {"format version 2", KrlBuilder(2).bytes()},
      {"unknown section", KrlBuilder().section(6, {}).bytes()},
      {"signature section", KrlBuilder().section(4, {}).bytes()},
      {"critical extension", KrlBuilder().section(255, extension(true)).bytes()},
      {"serial range lo > hi", KrlBuilder().certificates({}, {{0x21, u64s({5, 4})}}).bytes()},
      {"serial range from 0", KrlBuilder().certificates({}, {{0x21, u64s({0, 4})}}).bytes()},
      {"serial 0 listed", KrlBuilder().certificates({}, {{0x20, u64s({3, 0})}}).bytes()},
      {"serial list ending inside a serial",
       KrlBuilder().certificates({}, {{0x20, Blob{0, 0, 0, 0, 0, 0, 0, 0, 1}}}).bytes()},
      {"range with trailing bytes",
       KrlBuilder().certificates({}, {{0x21, u64s({1, 2, 3})}}).bytes()},
      {"unknown certificate subsection", KrlBuilder().certificates({}, {{0x24, {}}}).bytes()},
      {"critical certificate extension",
       KrlBuilder().certificates({}, {{0x39, extension(true)}}).bytes()},
      {"key id with a NUL", KrlBuilder().certificates({}, {{0x23, nul_id}}).bytes()},
      {"31-byte SHA-256",
       [] {
         Blob data;
         put_string(data, Blob(31, 7));
         return KrlBuilder().section(5, data).bytes();
       }()},
      {"bitmap wrapping past 2^64",
       KrlBuilder()
           .certificates({}, {{0x22,
                               [] {
                                 Blob data = u64s({UINT64_MAX});
                                 put_string(data, Blob{0x03});  // bits 0 and 1
                                 return data;
                               }()}})
           .bytes()},
  };
  for (const auto& [name, bytes] : table) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_krl(bytes))) << name;
  }
}

TEST(Krl, AcceptsWhatOpenSshAccepts) {
  Blob bitmap = u64s({100});
  put_string(bitmap, Blob{0x01, 0x05});  // bits 0, 2 and 8: serials 100, 102, 108
  auto parsed = parse_krl(KrlBuilder()
                              .section(255, extension(false))
                              .certificates({}, {{0x39, extension(false)}, {0x22, bitmap}})
                              .bytes());
  ASSERT_TRUE(std::holds_alternative<Krl>(parsed)) << std::get<std::string>(parsed);
  const Krl& krl = std::get<Krl>(parsed);
  ASSERT_EQ(krl.certificates.size(), 1U);
  EXPECT_TRUE(krl.certificates[0].ca_key.empty());
  using Range = std::pair<uint64_t, uint64_t>;
  EXPECT_EQ(krl.certificates[0].serials, (std::vector<Range>{{100, 100}, {102, 102}, {108, 108}}));
}

TEST(Krl, KnowsItsMagic) {
  EXPECT_TRUE(has_krl_magic(base64_decode(testing::kKrlSerial42).value()));
  const std::string_view text = "ssh-ed25519 AAAA";
  EXPECT_FALSE(has_krl_magic({reinterpret_cast<const uint8_t*>(text.data()), text.size()}));
}

}  // namespace
}  // namespace gitgate::auth::detail
