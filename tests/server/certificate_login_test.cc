// server/certificate_login.cc: which principal logs in, what a refusal says, and the
// access-log label of a key id.
#include "server/certificate_login.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/auth/cert_builder.h"

namespace gitgate::server {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

const system_clock::time_point kNow{seconds(1'900'000'000)};

struct Fixture {
  auth::testing::TestCa ca;
  auth::CertificateTrust trust;
  std::set<std::string, std::less<>> users{"alice", "bob"};

  Fixture() {
    auto parsed = auth::CertificateTrust::parse({{"ca.pub", ca.public_line()}}, std::nullopt);
    trust = std::get<auth::CertificateTrust>(std::move(parsed));
  }

  std::optional<CertificateOutcome> login(const auth::testing::CertSpec& spec,
                                          std::string_view ssh_user = "git",
                                          const auth::CertificateTrust* with = nullptr) {
    const auto blob = ca.sign(spec);
    return check_certificate_login(
        with != nullptr ? with : &trust, blob,
        [this](std::string_view principal) { return users.contains(principal); }, ssh_user,
        *net::SocketAddress::parse_ip("192.0.2.1"), kNow);
  }
};

auth::testing::CertSpec with_principals(std::vector<std::string> principals) {
  auth::testing::CertSpec spec;
  spec.principals = std::move(principals);
  return spec;
}

std::string principal_of(const std::optional<CertificateOutcome>& outcome) {
  if (!outcome || !std::holds_alternative<CertificateLogin>(*outcome)) {
    return "(refused)";
  }
  return std::get<CertificateLogin>(*outcome).principal;
}

TEST(CertificateLogin, PlainKeysAreNotItsBusiness) {
  Fixture fixture;
  auth::testing::Blob plain;
  auth::detail::put_string(plain, "ssh-ed25519");
  auth::detail::put_string(plain, auth::testing::Blob(32, 1));
  EXPECT_FALSE(check_certificate_login(
                   &fixture.trust, plain, [](std::string_view) { return true; }, "git",
                   *net::SocketAddress::parse_ip("192.0.2.1"), kNow)
                   .has_value());
}

TEST(CertificateLogin, PicksTheLoginNameOrElseTheFirstPrincipalNamingAUser) {
  Fixture fixture;
  const struct {
    std::vector<std::string> principals;
    std::string ssh_user;
    std::string expected;
  } table[] = {
      {{"alice"}, "git", "alice"},
      {{"carol", "bob", "alice"}, "git", "bob"},
      {{"alice", "bob"}, "bob", "bob"},
      {{"alice", "bob"}, "carol", "alice"},
      {{"carol", "dave"}, "carol", "(refused)"},
  };
  for (const auto& row : table) {
    EXPECT_EQ(principal_of(fixture.login(with_principals(row.principals), row.ssh_user)),
              row.expected)
        << row.principals.front() << " as " << row.ssh_user;
  }
}

TEST(CertificateLogin, RefusalsNameTheKeyIdSerialAndWhy) {
  Fixture fixture;
  auth::testing::CertSpec spec = with_principals({"carol"});
  spec.key_id = "carol@laptop";
  spec.serial = 77;
  auto outcome = fixture.login(spec);
  ASSERT_TRUE(outcome && std::holds_alternative<CertificateRefused>(*outcome));
  const auto& refused = std::get<CertificateRefused>(*outcome);
  EXPECT_EQ(refused.reason, "certificate principal unknown");
  EXPECT_NE(refused.detail.find("certificate ID \"carol@laptop\" (serial 77)"), std::string::npos)
      << refused.detail;
  EXPECT_NE(refused.detail.find("principals: carol"), std::string::npos) << refused.detail;

  spec = with_principals({"alice"});
  spec.valid_before = 1;
  outcome = fixture.login(spec);
  ASSERT_TRUE(outcome && std::holds_alternative<CertificateRefused>(*outcome));
  EXPECT_EQ(std::get<CertificateRefused>(*outcome).reason, "certificate expired");
  EXPECT_NE(std::get<CertificateRefused>(*outcome).detail.find("expired at 1970-01-01T00:00:01Z"),
            std::string::npos);
}

TEST(CertificateLogin, RefusesEveryCertificateWithoutTrustedCas) {
  Fixture fixture;
  const auto blob = fixture.ca.sign({});
  auto outcome = check_certificate_login(
      nullptr, blob, [](std::string_view) { return true; }, "git",
      *net::SocketAddress::parse_ip("192.0.2.1"), kNow);
  ASSERT_TRUE(outcome && std::holds_alternative<CertificateRefused>(*outcome));
  EXPECT_EQ(std::get<CertificateRefused>(*outcome).reason, "certificates not accepted");
}

TEST(CertificateLogin, RefusesAnUnreadableCertificate) {
  Fixture fixture;
  auth::testing::Blob blob = fixture.ca.sign({});
  blob.resize(blob.size() - 1);
  auto outcome = check_certificate_login(
      &fixture.trust, blob, [](std::string_view) { return true; }, "git",
      *net::SocketAddress::parse_ip("192.0.2.1"), kNow);
  ASSERT_TRUE(outcome && std::holds_alternative<CertificateRefused>(*outcome));
  EXPECT_EQ(std::get<CertificateRefused>(*outcome).reason, "unreadable certificate");
}

TEST(CertificateLogin, LabelsKeepTheLabelsFieldIntact) {
  EXPECT_EQ(certificate_label("alice@example.com"), "ssh:id:alice@example.com");
  EXPECT_EQ(certificate_label("ci runner, 7"), "ssh:id:ci%20runner%2C%207");
  EXPECT_EQ(certificate_label("a|b\\c%d\n"), "ssh:id:a%7Cb%5Cc%25d%0A");
  EXPECT_EQ(certificate_label("\xc3\xb6"), "ssh:id:%C3%B6");
  EXPECT_EQ(certificate_label(""), "ssh:id:");
  EXPECT_EQ(certificate_label(std::string(70, 'k')), "ssh:id:" + std::string(64, 'k') + "...");
}

TEST(CertificateLogin, SuccessCarriesTheLabelAndDescription) {
  Fixture fixture;
  auth::testing::CertSpec spec = with_principals({"alice"});
  spec.key_id = "alice, laptop";
  spec.serial = 5;
  auto outcome = fixture.login(spec);
  ASSERT_TRUE(outcome && std::holds_alternative<CertificateLogin>(*outcome));
  const auto& login = std::get<CertificateLogin>(*outcome);
  EXPECT_EQ(certificate_label(login.key_id), "ssh:id:alice%2C%20laptop");
  EXPECT_EQ(login.description.rfind("certificate ID \"alice, laptop\" (serial 5) of ssh-ed25519 "
                                    "SHA256:",
                                    0),
            0U)
      << login.description;
}

}  // namespace
}  // namespace gitgate::server
