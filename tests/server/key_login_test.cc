// server/key_login.cc: the users file first, then the host's API, asked once per key and
// connection (libssh asks about each key twice), never again after it failed.
#include "server/key_login.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/key_blob.h"
#include "net/socket_address.h"
#include "tests/auth/cert_builder.h"
#include "tests/auth/test_keys.h"

namespace gitgate::server {
namespace {

namespace fs = std::filesystem;

// Answers every /ssh/key with `answer`, and records what it was asked.
class FakeHost : public auth::HostDirectory {
 public:
  auth::KeyLookup lookup_key(const auth::KeyQuery& query) override {
    asked.push_back(query);
    return answer;
  }
  auth::KeyLookup lookup_principal(const auth::PrincipalQuery& query) override {
    principals_asked.push_back(query);
    if (principal_failure) {
      return *principal_failure;
    }
    if (query.principal == "erin") {
      return auth::ApiUser{"erin", 1001};
    }
    return auth::UnknownKey{};
  }
  auth::AccessReply allowed(const auth::AccessQuery& /*query*/) override { return auth::Allowed{}; }
  auth::KeyLookup answer = auth::UnknownKey{};
  std::vector<auth::KeyQuery> asked;
  std::vector<auth::PrincipalQuery> principals_asked;
  std::optional<auth::ApiFailure> principal_failure;
};

std::vector<uint8_t> blob_of(std::string_view line) {
  const size_t start = line.find(' ') + 1;
  return *auth::decode_key_blob(line.substr(start, line.find(' ', start) - start));
}

class KeyLoginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/gitgate-key-login-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    std::ofstream(dir_ / "users.toml")
        << "[[user]]\nname = \"alice\"\nid = 2\nkeys = [\"" << auth::testing::kAliceEd25519.line
        << "\"]\nread = [\"*\"]\n";
    store_ = std::make_unique<UserStore>(dir_ / "users.toml");
    ASSERT_TRUE(store_->reload().empty());
  }
  void TearDown() override { fs::remove_all(dir_); }

  KeyLogin login(auth::HostDirectory* host) {
    return KeyLogin(*store_, nullptr, host, *net::SocketAddress::parse_ip("203.0.113.9"),
                    std::chrono::steady_clock::now());
  }

  // A login that also accepts certificates of ca_.
  KeyLogin certified_login(auth::HostDirectory* host) {
    if (!certificates_) {
      std::ofstream(dir_ / "ca.pub") << ca_.public_line() << "\n";
      certificates_ = std::make_unique<CertificateStore>(
          CertificateConfig{.trusted_user_ca_keys = {dir_ / "ca.pub"}, .revoked_keys = {}});
      EXPECT_TRUE(certificates_->reload().empty());
    }
    return KeyLogin(*store_, certificates_.get(), host,
                    *net::SocketAddress::parse_ip("203.0.113.9"),
                    std::chrono::steady_clock::now() + std::chrono::seconds(20));
  }
  std::vector<uint8_t> certificate(std::vector<std::string> principals) {
    auth::testing::CertSpec spec;
    spec.key_id = "erin laptop";
    spec.principals = std::move(principals);
    return ca_.sign(spec);
  }

  fs::path dir_;
  std::unique_ptr<UserStore> store_;
  auth::testing::TestCa ca_;
  std::unique_ptr<CertificateStore> certificates_;
  const std::vector<uint8_t> alice_ = blob_of(auth::testing::kAliceEd25519.line);
  const std::vector<uint8_t> bob_ = blob_of(auth::testing::kBobEd25519.line);
  const std::vector<uint8_t> carol_ = blob_of(auth::testing::kCarolRsa.line);
};

TEST_F(KeyLoginTest, TheUsersFileWinsWithoutAskingTheHost) {
  FakeHost host;
  host.answer = auth::ApiUser{"impostor", 99};
  KeyLogin keys = login(&host);
  auto found = keys.find(alice_, "ssh-ed25519", "git");
  ASSERT_TRUE(std::holds_alternative<KeyFound>(found));
  const auto& user = std::get<KeyFound>(found).user;
  EXPECT_EQ(user.source, auth::SessionUser::Source::kUsersFile);
  EXPECT_EQ(user.identity.name, "alice");
  EXPECT_NE(user.entry, nullptr);
  EXPECT_TRUE(host.asked.empty());
}

TEST_F(KeyLoginTest, AKeyTheFileLacksIsAskedAboutOncePerConnection) {
  FakeHost host;
  host.answer = auth::ApiUser{"erin", 1001};
  KeyLogin keys = login(&host);
  for (int call = 0; call < 2; ++call) {  // the probe, then the signed request
    auto found = keys.find(bob_, "ssh-ed25519", "git");
    ASSERT_TRUE(std::holds_alternative<KeyFound>(found));
    EXPECT_EQ(std::get<KeyFound>(found).user.source, auth::SessionUser::Source::kHostApi);
    EXPECT_EQ(std::get<KeyFound>(found).user.identity.id, 1001);
  }
  ASSERT_EQ(host.asked.size(), 1U);
  EXPECT_EQ(host.asked[0].fingerprint, auth::testing::kBobEd25519.fingerprint);
  EXPECT_EQ(host.asked[0].key + " bob@desk", auth::testing::kBobEd25519.line);
  EXPECT_EQ(host.asked[0].client_address, "203.0.113.9");
  EXPECT_TRUE(host.asked[0].deadline.has_value());
  EXPECT_FALSE(keys.take_host_down_notice());

  host.answer = auth::UnknownKey{};
  auto unknown = keys.find(carol_, "ssh-rsa", "git");
  ASSERT_TRUE(std::holds_alternative<KeyRefused>(unknown));
  EXPECT_EQ(std::get<KeyRefused>(unknown).result, "unknown key");  // unknown, not a failure
  EXPECT_EQ(host.asked.size(), 2U);
}

TEST_F(KeyLoginTest, AfterTheHostFailedLaterKeysAreNotAskedAbout) {
  FakeHost host;
  host.answer = auth::ApiFailure{auth::ApiFailure::Kind::kTimeout, "no reply within 2000 ms"};
  KeyLogin keys = login(&host);
  auto failed = keys.find(bob_, "ssh-ed25519", "git");
  ASSERT_TRUE(std::holds_alternative<KeyRefused>(failed));
  EXPECT_EQ(std::get<KeyRefused>(failed).result, "host api failure");
  EXPECT_NE(std::get<KeyRefused>(failed).detail.find("timeout: no reply within 2000 ms"),
            std::string::npos);
  EXPECT_TRUE(keys.take_host_down_notice());
  EXPECT_FALSE(keys.take_host_down_notice());  // told once
  host.answer = auth::ApiUser{"carol", 7};
  EXPECT_TRUE(std::holds_alternative<KeyRefused>(keys.find(carol_, "ssh-rsa", "git")));
  EXPECT_EQ(host.asked.size(), 1U);
  // The users file still serves its users.
  EXPECT_TRUE(std::holds_alternative<KeyFound>(keys.find(alice_, "ssh-ed25519", "git")));
}

TEST_F(KeyLoginTest, WithoutAHostApiAKeyTheFileLacksIsUnknown) {
  KeyLogin keys = login(nullptr);
  auto found = keys.find(bob_, "ssh-ed25519", "git");
  ASSERT_TRUE(std::holds_alternative<KeyRefused>(found));
  EXPECT_EQ(std::get<KeyRefused>(found).result, "unknown key");
}

TEST_F(KeyLoginTest, ACertificatePrincipalNamesAUsersFileUserFirst) {
  FakeHost host;
  KeyLogin keys = certified_login(&host);
  auto found = keys.find(certificate({"alice", "erin"}), "ssh-ed25519-cert-v01@openssh.com", "git");
  ASSERT_TRUE(std::holds_alternative<KeyFound>(found));
  const auto& user = std::get<KeyFound>(found).user;
  EXPECT_EQ(user.source, auth::SessionUser::Source::kUsersFile);
  EXPECT_EQ(user.identity.name, "alice");
  EXPECT_EQ(user.key_id, "erin laptop");
  EXPECT_NE(std::get<KeyFound>(found).trust, nullptr);
  EXPECT_TRUE(host.principals_asked.empty());
}

TEST_F(KeyLoginTest, ACertificatePrincipalTheFileLacksIsAskedOfTheHostOnce) {
  FakeHost host;
  KeyLogin keys = certified_login(&host);
  const auto blob = certificate({"nobody", "erin"});
  for (int call = 0; call < 2; ++call) {  // the probe, then the signed request
    auto found = keys.find(blob, "ssh-ed25519-cert-v01@openssh.com", "git");
    ASSERT_TRUE(std::holds_alternative<KeyFound>(found));
    const auto& user = std::get<KeyFound>(found).user;
    EXPECT_EQ(user.source, auth::SessionUser::Source::kHostApi);
    EXPECT_EQ(user.identity.id, 1001);
    EXPECT_EQ(user.key_id, "erin laptop");
  }
  ASSERT_EQ(host.principals_asked.size(), 2U);  // "nobody" (404), then "erin"
  EXPECT_EQ(host.principals_asked[0].principal, "nobody");
  EXPECT_EQ(host.principals_asked[1].principal, "erin");
  EXPECT_EQ(host.principals_asked[1].key_id, "erin laptop");
  EXPECT_EQ(host.principals_asked[1].client_address, "203.0.113.9");
  EXPECT_TRUE(host.asked.empty());  // a certificate is never asked about as a key
}

TEST_F(KeyLoginTest, ACertificateAsksTheHostAboutAtMostFourPrincipals) {
  FakeHost host;
  KeyLogin keys = certified_login(&host);
  auto found = keys.find(certificate({"p1", "p2", "p3", "p4", "p5", "erin"}),
                         "ssh-ed25519-cert-v01@openssh.com", "git");
  ASSERT_TRUE(std::holds_alternative<KeyRefused>(found));
  EXPECT_EQ(std::get<KeyRefused>(found).why, "certificate principal unknown");
  EXPECT_EQ(host.principals_asked.size(), 4U);
}

TEST_F(KeyLoginTest, ACertificateWhoseHostCouldNotAnswerIsAHostFailure) {
  FakeHost host;
  host.principal_failure = auth::ApiFailure{auth::ApiFailure::Kind::kTimeout, "no reply"};
  KeyLogin keys = certified_login(&host);
  auto found = keys.find(certificate({"erin"}), "ssh-ed25519-cert-v01@openssh.com", "git");
  ASSERT_TRUE(std::holds_alternative<KeyRefused>(found));
  EXPECT_EQ(std::get<KeyRefused>(found).result, "host api failure");
  EXPECT_TRUE(keys.take_host_down_notice());
  // The users file still serves its principals.
  EXPECT_TRUE(std::holds_alternative<KeyFound>(
      keys.find(certificate({"alice"}), "ssh-ed25519-cert-v01@openssh.com", "git")));
}

TEST_F(KeyLoginTest, ACertificateWithoutTrustedCasIsRefusedAsACertificate) {
  FakeHost host;
  KeyLogin keys = login(&host);
  auto found = keys.find(certificate({"alice"}), "ssh-ed25519-cert-v01@openssh.com", "git");
  ASSERT_TRUE(std::holds_alternative<KeyRefused>(found));
  EXPECT_EQ(std::get<KeyRefused>(found).result, "certificate refused");
  EXPECT_EQ(std::get<KeyRefused>(found).why, "certificates not accepted");
  EXPECT_TRUE(host.principals_asked.empty());
}

TEST_F(KeyLoginTest, AfterAReloadARevokedCertificateNoLongerNamesItsUser) {
  FakeHost host;
  KeyLogin keys = certified_login(&host);
  const auto blob = certificate({"erin"});
  auto found = keys.find(blob, "ssh-ed25519-cert-v01@openssh.com", "git");
  ASSERT_TRUE(std::holds_alternative<KeyFound>(found));
  auth::SessionUser user = std::get<KeyFound>(found).user;
  const auto client = *net::SocketAddress::parse_ip("203.0.113.9");
  EXPECT_TRUE(still_names(user, blob, store_->get(), certificates_->get().get(), client));
  // No CA any more (trusted_user_ca_keys emptied): the host's user is closed out too.
  EXPECT_FALSE(still_names(user, blob, store_->get(), nullptr, client));
}

}  // namespace
}  // namespace gitgate::server
