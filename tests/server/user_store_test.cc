#include "server/user_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/auth/test_keys.h"

namespace gitgate::server {
namespace {

class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/gitgate-user-store-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write_users(const std::string& text) { std::ofstream(dir_ / "users.toml") << text; }

  static std::string one_user(std::string_view name, int id, std::string_view key) {
    return "[[user]]\nname = \"" + std::string(name) + "\"\nid = " + std::to_string(id) +
           "\nkeys = [\"" + std::string(key) + "\"]\nread = [\"*\"]\n";
  }

  std::filesystem::path dir_;
};

TEST_F(UserStoreTest, MissingFileFailsAndLeavesNothing) {
  UserStore store(dir_ / "users.toml");
  const auto errors = store.reload();
  EXPECT_FALSE(errors.empty());
  EXPECT_EQ(store.get(), nullptr);
}

TEST_F(UserStoreTest, InvalidFileKeepsTheLiveSet) {
  write_users(one_user("alice", 2, auth::testing::kAliceEd25519.line));
  UserStore store(dir_ / "users.toml");
  ASSERT_TRUE(store.reload().empty());
  const auto before = store.get();
  ASSERT_NE(before, nullptr);
  EXPECT_EQ(before->size(), 1U);

  write_users("[[user]]\nname = \n");
  const auto errors = store.reload();
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.front().find("users.toml"), std::string::npos) << errors.front();
  EXPECT_EQ(store.get(), before);
}

TEST_F(UserStoreTest, ValidFileReplacesTheSetButNotSnapshots) {
  write_users(one_user("alice", 2, auth::testing::kAliceEd25519.line));
  UserStore store(dir_ / "users.toml");
  ASSERT_TRUE(store.reload().empty());
  const auto snapshot = store.get();

  write_users(one_user("alice", 2, auth::testing::kAliceEd25519.line) +
              one_user("bob", 3, auth::testing::kBobEd25519.line));
  ASSERT_TRUE(store.reload().empty());
  EXPECT_EQ(store.get()->size(), 2U);
  EXPECT_EQ(snapshot->size(), 1U);  // a session's snapshot is not changed under it
}

}  // namespace
}  // namespace gitgate::server
