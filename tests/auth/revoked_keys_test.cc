// auth/revoked_keys.cc: the KRLs ssh-keygen -k wrote revoke exactly what ssh-keygen -Q
// said they revoke; text lists of keys; KRLs built section by section.
#include "auth/revoked_keys.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/detail/base64.h"
#include "auth/key_blob.h"
#include "tests/auth/cert_builder.h"
#include "tests/auth/test_certificates.h"

namespace gitgate::auth {
namespace {

std::vector<uint8_t> blob_of(std::string_view line) {
  const size_t start = line.find(' ') + 1;
  return decode_key_blob(line.substr(start, line.find(' ', start) - start)).value();
}

Certificate parsed(std::string_view line) {
  return std::get<Certificate>(parse_certificate(blob_of(line)));
}

RevokedKeys revoked_from(std::span<const uint8_t> bytes) {
  auto result = RevokedKeys::parse(bytes);
  if (auto* errors = std::get_if<std::vector<FileError>>(&result)) {
    ADD_FAILURE() << errors->front().line << ": " << errors->front().message;
    return {};
  }
  return std::get<RevokedKeys>(result);
}

RevokedKeys revoked_from_text(std::string_view text) {
  return revoked_from({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

struct Named {
  std::string_view name;
  std::string_view line;
};

const std::vector<Named> kCertificates{
    {"c1", testing::kCertEd25519ByEd25519},  {"c2", testing::kCertP256ByP384},
    {"c3", testing::kCertRsaByRsa512},       {"c4", testing::kCertEd25519ByRsa256},
    {"c5", testing::kCertP521ByP521Options}, {"c8", testing::kCertP521ByP256},
};

std::vector<std::string> revoked_names(const RevokedKeys& revoked) {
  std::vector<std::string> names;
  for (const Named& certificate : kCertificates) {
    if (!revoked.revoked(parsed(certificate.line)).empty()) {
      names.emplace_back(certificate.name);
    }
  }
  return names;
}

// ssh-keygen -Qf KRL c1 c2 c3 c4 c5 c8: the REVOKED ones.
TEST(RevokedKeys, KrlsRevokeWhatSshKeygenSaysTheyDo) {
  const std::vector<std::pair<std::string_view, std::vector<std::string>>> table{
      {testing::kKrlSerial42, {"c1"}},
      {testing::kKrlRange40To45, {"c1"}},
      {testing::kKrlBitmap, {"c1"}},
      {testing::kKrlKeyId, {"c1"}},
      {testing::kKrlUserEd25519Key, {"c1", "c4"}},
      {testing::kKrlUserP256Hash, {"c2"}},
      {testing::kKrlCaP384Key, {"c2"}},
      {testing::kKrlOtherCaSerial42, {}},
  };
  for (const auto& [base64, expected] : table) {
    const auto bytes = detail::base64_decode(base64).value();
    const RevokedKeys revoked = revoked_from(bytes);
    EXPECT_TRUE(revoked.is_krl());
    EXPECT_EQ(revoked_names(revoked), expected) << base64.substr(0, 40);
  }
}

TEST(RevokedKeys, SaysWhyACertificateIsRevoked) {
  const auto serial = revoked_from(detail::base64_decode(testing::kKrlSerial42).value());
  EXPECT_EQ(serial.revoked(parsed(testing::kCertEd25519ByEd25519)),
            "its serial 42 is revoked for its CA");
  const auto key_id = revoked_from(detail::base64_decode(testing::kKrlKeyId).value());
  EXPECT_EQ(key_id.revoked(parsed(testing::kCertEd25519ByEd25519)),
            "its key id is revoked for its CA");
  const auto ca = revoked_from(detail::base64_decode(testing::kKrlCaP384Key).value());
  EXPECT_EQ(ca.revoked(parsed(testing::kCertP256ByP384)), "its CA key is revoked");
}

// The bitmap KRL revokes serials 30 32 34 36 38 42 44 of ca_ed25519 and nothing between.
TEST(RevokedKeys, ReadsTheBitmapBitByBit) {
  const testing::Blob bytes = detail::base64_decode(testing::kKrlBitmap).value();
  const RevokedKeys revoked = revoked_from(bytes);
  Certificate certificate = parsed(testing::kCertEd25519ByEd25519);
  std::vector<uint64_t> hits;
  for (uint64_t serial = 0; serial < 100; ++serial) {
    certificate.serial = serial;
    if (!revoked.revoked(certificate).empty()) {
      hits.push_back(serial);
    }
  }
  EXPECT_EQ(hits, (std::vector<uint64_t>{30, 32, 34, 36, 38, 42, 44}));
}

TEST(RevokedKeys, WildcardSectionsApplyToEveryCaButNeverToSerialZero) {
  const testing::TestCa ca;
  testing::Blob ids;
  detail::put_string(ids, "test-id");
  testing::Blob range;
  testing::put_u64(range, 1);
  testing::put_u64(range, 5);
  const RevokedKeys by_id =
      revoked_from(testing::KrlBuilder().certificates({}, {{0x23, ids}}).bytes());
  EXPECT_FALSE(by_id.revoked(std::get<Certificate>(parse_certificate(ca.sign({})))).empty());
  const RevokedKeys by_range =
      revoked_from(testing::KrlBuilder().certificates({}, {{0x21, range}}).bytes());
  testing::CertSpec spec;
  spec.key_id = "other";
  spec.serial = 5;
  EXPECT_FALSE(by_range.revoked(std::get<Certificate>(parse_certificate(ca.sign(spec)))).empty());
  spec.serial = 6;
  EXPECT_TRUE(by_range.revoked(std::get<Certificate>(parse_certificate(ca.sign(spec)))).empty());
  spec.serial = 0;
  EXPECT_TRUE(by_range.revoked(std::get<Certificate>(parse_certificate(ca.sign(spec)))).empty());
}

TEST(RevokedKeys, TextListsRevokeKeysCertificatesStandFor) {
  // A certificate line revokes its key: c1's key is c4's key too.
  const RevokedKeys revoked =
      revoked_from_text("# revoked\n\n" + std::string(testing::kCertEd25519ByEd25519) + "\n" +
                        std::string(testing::kCaP384) + "\n" +
                        "ssh-dss AAAAB3NzaC1kc3MAAAABAA== skipped: never accepted anyway\n");
  EXPECT_FALSE(revoked.is_krl());
  EXPECT_EQ(revoked_names(revoked), (std::vector<std::string>{"c1", "c2", "c4"}));
  EXPECT_EQ(revoked.revoked(parsed(testing::kCertP256ByP384)), "its CA key is revoked");
  EXPECT_TRUE(revoked_names(revoked_from_text("")).empty());
}

TEST(RevokedKeys, ReportsBadTextLinesWithTheirNumbers) {
  const std::string text = std::string(testing::kUserRsa) + "\nssh-ed25519 !!!\nnonsense\n";
  auto result = RevokedKeys::parse({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  ASSERT_TRUE(std::holds_alternative<std::vector<FileError>>(result));
  const auto& errors = std::get<std::vector<FileError>>(result);
  ASSERT_EQ(errors.size(), 2U);
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_EQ(errors[1].line, 3);
}

}  // namespace
}  // namespace gitgate::auth
