#include "server/host_keys.h"

#include <gtest/gtest.h>
#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace gitgate::server {
namespace {

TEST(KeyTypeForPath, FollowsOpenSshNames) {
  EXPECT_EQ(key_type_for_path("/x/ssh_host_ed25519_key"), SSH_KEYTYPE_ED25519);
  EXPECT_EQ(key_type_for_path("/x/ssh_host_rsa_key"), SSH_KEYTYPE_RSA);
  EXPECT_EQ(key_type_for_path("/x/ssh_host_ecdsa_key"), SSH_KEYTYPE_ECDSA_P256);
  EXPECT_EQ(key_type_for_path("/x/hostkey"), SSH_KEYTYPE_ED25519);
  // Only the file name counts, not a directory that happens to say "rsa".
  EXPECT_EQ(key_type_for_path("/rsa/ssh_host_ed25519_key"), SSH_KEYTYPE_ED25519);
}

class HostKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/gitgate-host-keys-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    bind_ = ssh_bind_new();
    ASSERT_NE(bind_, nullptr);
  }
  void TearDown() override {
    ssh_bind_free(bind_);
    std::filesystem::remove_all(dir_);
  }

  std::vector<HostKey> install_ok(const std::vector<std::filesystem::path>& paths) {
    auto installed = install_host_keys(bind_, paths);
    if (auto* error = std::get_if<std::string>(&installed)) {
      ADD_FAILURE() << *error;
      return {};
    }
    return std::get<std::vector<HostKey>>(installed);
  }

  std::filesystem::path dir_;
  ssh_bind bind_ = nullptr;
};

TEST_F(HostKeysTest, CreatesMissingKeysPrivatelyThenLoadsThem) {
  const auto ed25519 = dir_ / "keys" / "deeper" / "ssh_host_ed25519_key";
  const auto ecdsa = dir_ / "keys" / "deeper" / "ssh_host_ecdsa_key";
  const auto created = install_ok({ed25519, ecdsa});
  ASSERT_EQ(created.size(), 2U);
  EXPECT_TRUE(created[0].created);
  EXPECT_EQ(created[0].type, "ssh-ed25519");
  EXPECT_EQ(created[1].type, "ecdsa-sha2-nistp256");
  EXPECT_EQ(created[0].fingerprint.rfind("SHA256:", 0), 0U) << created[0].fingerprint;
  EXPECT_EQ(created[0].fingerprint.find('='), std::string::npos);  // unpadded, as OpenSSH

  struct stat file {};
  ASSERT_EQ(stat(ed25519.c_str(), &file), 0);
  EXPECT_EQ(file.st_mode & 0777, 0600U);
  struct stat parent {};
  ASSERT_EQ(stat((dir_ / "keys").c_str(), &parent), 0);
  EXPECT_EQ(parent.st_mode & 077, 0U);
  EXPECT_FALSE(std::filesystem::exists(ed25519.string() + ".new"));

  // A second start loads the same keys instead of making new ones.
  ssh_bind second = ssh_bind_new();
  auto again = install_host_keys(second, {ed25519, ecdsa});
  ssh_bind_free(second);
  ASSERT_TRUE(std::holds_alternative<std::vector<HostKey>>(again));
  const auto& loaded = std::get<std::vector<HostKey>>(again);
  EXPECT_FALSE(loaded[0].created);
  EXPECT_EQ(loaded[0].fingerprint, created[0].fingerprint);
  EXPECT_EQ(loaded[1].fingerprint, created[1].fingerprint);
}

TEST_F(HostKeysTest, TwoKeysOfOneFamilyAreAnError) {
  auto installed = install_host_keys(bind_, {dir_ / "a_ed25519_key", dir_ / "b_ed25519_key"});
  ASSERT_TRUE(std::holds_alternative<std::string>(installed));
  EXPECT_NE(std::get<std::string>(installed).find("already configured"), std::string::npos);
}

TEST_F(HostKeysTest, GarbageKeyFileIsAnError) {
  const auto path = dir_ / "ssh_host_ed25519_key";
  std::filesystem::create_directories(dir_);
  FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("not a key\n", file);
  std::fclose(file);
  auto installed = install_host_keys(bind_, {path});
  ASSERT_TRUE(std::holds_alternative<std::string>(installed));
  EXPECT_NE(std::get<std::string>(installed).find(path.string()), std::string::npos);
}

TEST_F(HostKeysTest, NoKeysIsAnError) {
  EXPECT_TRUE(std::holds_alternative<std::string>(install_host_keys(bind_, {})));
}

}  // namespace
}  // namespace gitgate::server
