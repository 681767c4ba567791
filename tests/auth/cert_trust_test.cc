// auth/cert_trust.cc: which certificates may log in, one field changed at a time on a
// certificate minted by a test CA, and ssh-keygen's certificates against its CAs.
#include "auth/cert_trust.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "auth/key_blob.h"
#include "tests/auth/cert_builder.h"
#include "tests/auth/test_certificates.h"

namespace gitgate::auth {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

constexpr uint64_t kNow = 1'900'000'000;  // 2030-03-17
const system_clock::time_point kNowPoint{seconds(kNow)};

std::vector<uint8_t> blob_of(std::string_view line) {
  const size_t start = line.find(' ') + 1;
  return decode_key_blob(line.substr(start, line.find(' ', start) - start)).value();
}

Certificate parsed(const std::vector<uint8_t>& blob) {
  return std::get<Certificate>(parse_certificate(blob));
}

CertificateTrust trust_of(std::vector<std::string> ca_lines,
                          std::optional<std::string> revoked = std::nullopt) {
  std::vector<CertificateTrust::CaFile> files;
  files.reserve(ca_lines.size());
  for (std::string& line : ca_lines) {
    files.push_back({"ca.pub", std::move(line)});
  }
  std::optional<CertificateTrust::CaFile> revoked_file;
  if (revoked) {
    revoked_file = CertificateTrust::CaFile{"revoked", std::move(*revoked)};
  }
  auto result = CertificateTrust::parse(files, revoked_file);
  if (auto* errors = std::get_if<std::vector<TrustFileError>>(&result)) {
    ADD_FAILURE() << errors->front().line << ": " << errors->front().message;
    return {};
  }
  return std::get<CertificateTrust>(result);
}

net::SocketAddress address(std::string_view text) { return *net::SocketAddress::parse_ip(text); }

struct Case {
  std::string name;
  testing::CertSpec spec;
  std::string client;
  std::optional<CertificateRefusal> refusal;  // nullopt: accepted
};

std::vector<Case> cases() {
  std::vector<Case> table;
  auto add = [&table](std::string name, std::optional<CertificateRefusal> refusal, auto change,
                      std::string client = "203.0.113.9") {
    testing::CertSpec spec;
    spec.valid_after = kNow - 3600;
    spec.valid_before = kNow + 3600;
    change(spec);
    table.push_back({std::move(name), std::move(spec), std::move(client), refusal});
  };
  using R = CertificateRefusal;
  const int64_t skew = kCertificateClockSkewSeconds;
  add("valid", std::nullopt, [](auto&) {});
  add("valid forever", std::nullopt, [](auto& s) {
    s.valid_after = 0;
    s.valid_before = UINT64_MAX;
  });
  add("host certificate", R::kHostCertificate, [](auto& s) { s.kind = kHostCertificate; });
  add("expired", R::kExpired, [skew](auto& s) { s.valid_before = kNow - skew; });
  add("expired within the skew", std::nullopt,
      [skew](auto& s) { s.valid_before = kNow - skew + 1; });
  add("not yet valid", R::kNotYetValid, [skew](auto& s) { s.valid_after = kNow + skew + 1; });
  add("not yet valid within the skew", std::nullopt,
      [skew](auto& s) { s.valid_after = kNow + skew; });
  add("no principals", R::kNoPrincipals, [](auto& s) { s.principals.clear(); });
  add("force-command", R::kForceCommand, [](auto& s) {
    s.critical = {{"force-command", testing::string_data("/bin/true")}};
  });
  add("source-address holding the client", std::nullopt, [](auto& s) {
    s.critical = {{"source-address", testing::string_data("10.0.0.0/8,203.0.113.0/24")}};
  });
  add("source-address without the client", R::kSourceAddress, [](auto& s) {
    s.critical = {{"source-address", testing::string_data("10.0.0.0/8")}};
  });
  add(
      "source-address of IPv6 with an IPv6 client", std::nullopt,
      [](auto& s) {
        s.critical = {{"source-address", testing::string_data("2001:db8::/32")}};
      },
      "2001:db8::7");
  add("source-address with host bits set", R::kSourceAddress, [](auto& s) {
    s.critical = {{"source-address", testing::string_data("203.0.113.9/8")}};
  });
  add("source-address with extra data", R::kSourceAddress, [](auto& s) {
    testing::Blob data = testing::string_data("203.0.113.0/24");
    data.push_back(0);
    s.critical = {{"source-address", data}};
  });
  add("verify-required", R::kUnsupportedOption, [](auto& s) {
    s.critical = {{"verify-required", {}}};
  });
  add("unknown critical option", R::kUnsupportedOption, [](auto& s) {
    s.critical = {{"restrict-to@example.com", {}}};
  });
  add("unknown extension", std::nullopt, [](auto& s) {
    s.extensions = {{"permit-everything@example.com", {1, 2, 3}}};
  });
  return table;
}

TEST(CertificateTrust, DecidesEachFieldAsOpenSshDoes) {
  const testing::TestCa ca;
  const CertificateTrust trust = trust_of({ca.public_line()});
  for (const Case& entry : cases()) {
    const auto problem = trust.check(parsed(ca.sign(entry.spec)), kNowPoint, address(entry.client));
    if (entry.refusal) {
      ASSERT_TRUE(problem.has_value()) << entry.name;
      EXPECT_EQ(problem->reason, *entry.refusal) << entry.name << ": " << problem->detail;
      EXPECT_FALSE(problem->detail.empty());
    } else {
      EXPECT_FALSE(problem.has_value()) << entry.name << ": " << problem->detail;
    }
  }
}

TEST(CertificateTrust, RefusesAnotherCasCertificate) {
  const testing::TestCa ca;
  const testing::TestCa other;
  const CertificateTrust trust = trust_of({ca.public_line()});
  const auto problem = trust.check(parsed(other.sign({})), kNowPoint, address("192.0.2.1"));
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->reason, CertificateRefusal::kUntrustedCa);
  EXPECT_EQ(problem->detail, "its CA is not in trusted_user_ca_keys");
}

// A certificate naming a trusted CA's key but signed by another key.
TEST(CertificateTrust, RefusesAForgedSignature) {
  const testing::TestCa ca;
  const testing::TestCa forger;
  testing::CertSpec spec;
  spec.ca_key_override = ca.public_blob();
  const CertificateTrust trust = trust_of({ca.public_line()});
  const auto problem = trust.check(parsed(forger.sign(spec)), kNowPoint, address("192.0.2.1"));
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->reason, CertificateRefusal::kBadSignature);
}

TEST(CertificateTrust, JudgesSshKeygenCertificates) {
  const CertificateTrust trust =
      trust_of({std::string(testing::kCaEd25519) + "\n" + std::string(testing::kCaP384) + "\n",
                std::string(testing::kCaRsa) + "\n# a comment\n\n" + std::string(testing::kCaP521) +
                    "\n" + std::string(testing::kCaP256)});
  EXPECT_EQ(trust.ca_count(), 5U);
  using R = CertificateRefusal;
  const std::vector<std::pair<std::string_view, std::optional<R>>> table{
      {testing::kCertEd25519ByEd25519, std::nullopt},
      {testing::kCertP256ByP384, std::nullopt},
      {testing::kCertRsaByRsa512, std::nullopt},
      {testing::kCertEd25519ByRsa256, std::nullopt},
      {testing::kCertP521ByP521Options, R::kForceCommand},
      {testing::kCertEd25519ByRsaSha1, R::kBadSignature},
      {testing::kCertHost, R::kHostCertificate},
      {testing::kCertP521ByP256, std::nullopt},
  };
  for (const auto& [line, refusal] : table) {
    const auto problem = trust.check(parsed(blob_of(line)), kNowPoint, address("10.1.2.3"));
    EXPECT_EQ(problem ? std::optional(problem->reason) : std::nullopt, refusal)
        << line.substr(0, 60) << (problem ? ": " + problem->detail : "");
  }
  // Before 2026 and from 2036 on.
  const auto early = trust.check(parsed(blob_of(testing::kCertP256ByP384)),
                                 system_clock::time_point(seconds(testing::kValidAfter - 61)),
                                 address("10.1.2.3"));
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->reason, R::kNotYetValid);
  const auto late = trust.check(parsed(blob_of(testing::kCertP256ByP384)),
                                system_clock::time_point(seconds(testing::kValidBefore + 60)),
                                address("10.1.2.3"));
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->reason, R::kExpired);
  EXPECT_NE(late->detail.find("2036-01-01T00:00:00Z"), std::string::npos) << late->detail;
}

TEST(CertificateTrust, ReportsBadCaFilesWithLines) {
  struct Bad {
    std::string text;
    int line;
  };
  const std::vector<Bad> table{
      {std::string(testing::kCaEd25519) + "\nssh-ed25519 not-base64!\n", 2},
      {"\n\nssh-dss AAAAB3NzaC1kc3MAAAABAA==\n", 3},
      {"# only a comment\n", 0},
      {std::string(testing::kCertHost) + "\n", 1},  // a certificate is no CA key
      {"command=\"x\" " + std::string(testing::kCaEd25519) + "\n", 1},
  };
  for (const Bad& bad : table) {
    auto result = CertificateTrust::parse({{"ca.pub", bad.text}}, std::nullopt);
    ASSERT_TRUE(std::holds_alternative<std::vector<TrustFileError>>(result)) << bad.text;
    const auto& errors = std::get<std::vector<TrustFileError>>(result);
    EXPECT_EQ(errors.front().line, bad.line) << errors.front().message;
    EXPECT_EQ(errors.front().file, "ca.pub");
  }
}

TEST(CertificateTrust, ReportsFilesItCannotRead) {
  auto result = CertificateTrust::load({"/nonexistent/ca.pub"}, std::nullopt);
  ASSERT_TRUE(std::holds_alternative<std::vector<TrustFileError>>(result));
  EXPECT_EQ(std::get<std::vector<TrustFileError>>(result).front().file, "/nonexistent/ca.pub");
}

TEST(CertificateTrust, RevocationComesFromTheRevokedFile) {
  const std::string cas = std::string(testing::kCaEd25519) + "\n" + std::string(testing::kCaRsa);
  const CertificateTrust trust = trust_of({cas}, std::string(testing::kUserEd25519) + "\n");
  const auto problem =
      trust.check(parsed(blob_of(testing::kCertEd25519ByRsa256)), kNowPoint, address("10.0.0.1"));
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->reason, CertificateRefusal::kRevoked);
  EXPECT_FALSE(trust_of({cas}, "").check(parsed(blob_of(testing::kCertEd25519ByRsa256)), kNowPoint,
                                         address("10.0.0.1")));
}

}  // namespace
}  // namespace gitgate::auth
