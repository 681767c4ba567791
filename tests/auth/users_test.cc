#include "auth/users.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "auth/detail/base64.h"
#include "auth/key_blob.h"
#include "tests/auth/test_keys.h"
#include "tests/testing/line_errors.h"

namespace gitgate::auth {
namespace {

using testing::kAliceEd25519;
using testing::kAllKeys;
using testing::kBobEd25519;
using testing::kCarolRsa;

std::vector<uint8_t> blob_of(std::string_view key_line) {
  const size_t start = key_line.find(' ') + 1;
  const size_t end = key_line.find(' ', start);
  return *detail::base64_decode(key_line.substr(start, end - start));
}

using gitgate::testing::errors_text;

UserDb parse_ok(const std::string& text) {
  auto parsed = UserDb::parse(text);
  if (auto* errors = std::get_if<std::vector<FileError>>(&parsed)) {
    ADD_FAILURE() << "unexpected errors:\n" << errors_text(*errors) << "in:\n" << text;
    return std::get<UserDb>(UserDb::parse(""));
  }
  return std::move(std::get<UserDb>(parsed));
}

const std::string kContractExample = fmt::format(R"([[user]]
name = "alice"
id = 2
keys = ["{}"]
read = ["*"]            # globs over repository paths ("demo/repo.git", "demo/*")
write = ["demo/*"]
)",
                                                 kAliceEd25519.line);

TEST(UsersTest, ParsesTheContractExample) {
  const UserDb db = parse_ok(kContractExample);
  ASSERT_EQ(db.size(), 1U);
  const User* alice = db.find_by_key(blob_of(kAliceEd25519.line));
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->identity.name, "alice");
  EXPECT_EQ(alice->identity.id, 2);
  EXPECT_EQ(alice->keys, std::vector<std::string>{std::string(kAliceEd25519.line)});
  EXPECT_TRUE(UserDb::can_read(*alice, "other/repo.git"));
  EXPECT_FALSE(UserDb::can_write(*alice, "other/repo.git"));
  EXPECT_TRUE(UserDb::can_write(*alice, "demo/repo.git"));
  EXPECT_TRUE(UserDb::can_write(*alice, "demo/repo"));
}

TEST(UsersTest, FindsEveryKeyTypeAndOnlyListedKeys) {
  std::string text = "[[user]]\nname = \"dave\"\nid = 7\nkeys = [\n";
  for (const auto& key : kAllKeys) {
    if (key.line != kBobEd25519.line) {
      text += fmt::format("  \"{}\",\n", key.line);
    }
  }
  text += "]\n";
  const UserDb db = parse_ok(text);
  for (const auto& key : kAllKeys) {
    const User* user = db.find_by_key(blob_of(key.line));
    if (key.line == kBobEd25519.line) {
      EXPECT_EQ(user, nullptr);
    } else {
      ASSERT_NE(user, nullptr) << key.line;
      EXPECT_EQ(user->identity.name, "dave");
    }
  }
  // A blob one byte off, shorter or empty finds no one.
  auto blob = blob_of(kCarolRsa.line);
  blob.back() ^= 1;
  EXPECT_EQ(db.find_by_key(blob), nullptr);
  blob.pop_back();
  EXPECT_EQ(db.find_by_key(blob), nullptr);
  EXPECT_EQ(db.find_by_key({}), nullptr);
}

TEST(UsersTest, TellsUsersApartByKey) {
  const UserDb db = parse_ok(fmt::format(R"(
[[user]]
name = "alice"
id = 2
keys = ["{}"]
read = ["demo/*"]

[[user]]
name = "bob.smith-2_x"
id = 0
keys = ["{}", "{}"]
write = ["bob/*", "shared/tools.git"]
)",
                                         kAliceEd25519.line, kBobEd25519.line, kCarolRsa.line));
  ASSERT_EQ(db.size(), 2U);
  const User* alice = db.find_by_key(blob_of(kAliceEd25519.line));
  const User* bob = db.find_by_key(blob_of(kCarolRsa.line));
  ASSERT_NE(alice, nullptr);
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(db.find_by_key(blob_of(kBobEd25519.line)), bob);
  EXPECT_EQ(alice->identity.name, "alice");
  EXPECT_EQ(bob->identity.name, "bob.smith-2_x");
  EXPECT_EQ(bob->identity.id, 0);
  EXPECT_TRUE(UserDb::can_read(*alice, "demo/repo.git"));
  EXPECT_FALSE(UserDb::can_write(*alice, "demo/repo.git"));
  EXPECT_FALSE(UserDb::can_read(*alice, "bob/repo.git"));
  // Write implies read.
  EXPECT_TRUE(UserDb::can_read(*bob, "shared/tools.git"));
  EXPECT_TRUE(UserDb::can_write(*bob, "shared/tools"));
  EXPECT_TRUE(UserDb::can_write(*bob, "bob/deep/nested.git"));
  EXPECT_FALSE(UserDb::can_read(*bob, "demo/repo.git"));
}

TEST(UsersTest, AcceptsAnEmptyFileAndAUserWithoutKeys) {
  EXPECT_EQ(parse_ok("").size(), 0U);
  EXPECT_EQ(parse_ok("# nobody yet\n").size(), 0U);
  const UserDb db = parse_ok("[[user]]\nname = \"off\"\nid = 1\nkeys = []\nread = [\"*\"]\n");
  ASSERT_EQ(db.size(), 1U);
  EXPECT_EQ(db.users()[0].identity.name, "off");
}

struct BadFile {
  std::string_view name;
  std::string text;
  std::vector<gitgate::testing::ExpectedError> errors;
};

std::vector<BadFile> bad_files() {
  const std::string alice = std::string(kAliceEd25519.line);
  const std::string bob = std::string(kBobEd25519.line);
  return {
      {"toml syntax", "[[user]]\nname = \"a\"\nid = \n", {{3, ""}}},
      {"unknown top-level key", "users = 1\n", {{1, "unknown key 'users'"}}},
      {"user as a table", "[user]\nname = \"a\"\n", {{1, "array of tables"}}},
      {"typo 'key'",
       "[[user]]\nname = \"a\"\nid = 1\nkey = [\"" + alice + "\"]\n",
       {{1, "lacks 'keys'"}, {4, "unknown key 'key'"}}},
      {"missing everything", "\n\n[[user]]\n", {{3, "'name'"}, {3, "'id'"}, {3, "'keys'"}}},
      {"wrong types",
       "[[user]]\nname = 5\nid = \"2\"\nkeys = \"x\"\nread = [1]\nwrite = \"*\"\n",
       {{2, "'name' must be a string, not an integer"},
        {3, "'id' must be an integer, not a string"},
        {4, "'keys' must be an array of strings, not a string"},
        {5, "must hold only strings"},
        {6, "'write' must be an array"}}},
      {"bad names",
       "[[user]]\nname = \"\"\nid = 1\nkeys = []\n"
       "[[user]]\nname = \"al ice\"\nid = 2\nkeys = []\n"
       "[[user]]\nname = \"-\"\nid = 3\nkeys = []\n"
       "[[user]]\nname = \"a|b\"\nid = 4\nkeys = []\n",
       {{2, "empty"},
        {6, "may hold only"},
        {10, "must start with a letter"},
        {14, "may hold only"}}},
      {"negative id", "[[user]]\nname = \"a\"\nid = -1\nkeys = []\n", {{3, "negative"}}},
      {"duplicate name and id",
       "[[user]]\nname = \"a\"\nid = 1\nkeys = []\n[[user]]\nname = \"a\"\nid = 1\nkeys = []\n",
       {{6, "'a' is already used on line 2"}, {7, "id 1 is already used on line 3"}}},
      {"bad keys on their own lines",
       "[[user]]\nname = \"a\"\nid = 1\nkeys = [\n  \"" + alice + "\",\n  \"restrict " + alice +
           "\",\n  \"ssh-ed25519 AAAA\",\n]\n",
       {{6, "options"}, {7, "key data is truncated"}}},
      {"key listed twice",
       "[[user]]\nname = \"a\"\nid = 1\nkeys = [\"" + alice + "\",\n\"" + alice + "\"]\n",
       {{5, "already listed on line 4"}}},
      {"key of two users",
       "[[user]]\nname = \"a\"\nid = 1\nkeys = [\"" + alice +
           "\"]\n[[user]]\nname = \"b\"\nid = 2\n" + "keys = [\"" + bob + "\", \"" + alice +
           "\"]\n",
       {{8, "already belongs to user 'a' (line 4)"}}},
      {"bad globs",
       "[[user]]\nname = \"a\"\nid = 1\nkeys = []\nread = [\"/demo/*\"]\nwrite = [\"\"]\n",
       {{5, "leading '/'"}, {6, "empty"}}},
  };
}

TEST(UsersTest, ReportsEveryErrorWithItsLine) {
  for (const BadFile& bad : bad_files()) {
    auto parsed = UserDb::parse(bad.text);
    ASSERT_TRUE(std::holds_alternative<std::vector<FileError>>(parsed)) << bad.name;
    gitgate::testing::expect_line_errors(bad.name, std::get<std::vector<FileError>>(parsed),
                                         bad.errors);
  }
}

TEST(UsersTest, LoadsAFileAndReportsAMissingOne) {
  const std::filesystem::path dir = ::testing::TempDir();
  // Named by the process: two test runs at once (two build trees) must not share the file.
  const std::filesystem::path path =
      dir / ("gitgate_users_test." + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out(path);
    out << kContractExample;
  }
  auto loaded = UserDb::load(path);
  ASSERT_TRUE(std::holds_alternative<UserDb>(loaded));
  EXPECT_EQ(std::get<UserDb>(loaded).size(), 1U);
  std::filesystem::remove(path);

  auto missing = UserDb::load(dir / "gitgate_no_such_users.toml");
  ASSERT_TRUE(std::holds_alternative<std::vector<FileError>>(missing));
  const auto& errors = std::get<std::vector<FileError>>(missing);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].line, 0);
  // The caller names the file; the message says what went wrong with it.
  EXPECT_EQ(errors[0].message, "cannot open: No such file or directory");

  // A directory opens and reads as empty, which would be a valid file without users.
  auto directory = UserDb::load(dir);
  ASSERT_TRUE(std::holds_alternative<std::vector<FileError>>(directory));
  EXPECT_EQ(std::get<std::vector<FileError>>(directory).at(0).message,
            "is a directory, not a users file");
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return out;
  }
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
    out += buffer.data();
  }
  pclose(pipe);
  return out;
}

// A key made now by ssh-keygen is found, and our fingerprint is the one ssh-keygen prints.
TEST(UsersTest, FindsAKeyFreshFromSshKeygen) {
  if (std::system("command -v ssh-keygen >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "ssh-keygen is not installed";
  }
  const std::filesystem::path key =
      std::filesystem::path(::testing::TempDir()) / fmt::format("gitgate_users_test_{}", getpid());
  std::filesystem::remove(key);
  std::filesystem::remove(key.string() + ".pub");
  ASSERT_EQ(
      std::system(
          fmt::format("ssh-keygen -q -t ed25519 -N '' -C fresh -f '{}'", key.string()).c_str()),
      0);
  std::string pub;
  std::getline(std::ifstream(key.string() + ".pub"), pub);
  const std::string listed = run(fmt::format("ssh-keygen -lf '{}.pub'", key.string()));
  std::filesystem::remove(key);
  std::filesystem::remove(key.string() + ".pub");

  const UserDb db =
      parse_ok(fmt::format("[[user]]\nname = \"fresh\"\nid = 9\nkeys = [\"{}\"]\n", pub));
  const auto blob = blob_of(pub);
  const User* user = db.find_by_key(blob);
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->identity.name, "fresh");
  EXPECT_NE(listed.find(fingerprint(blob) + " fresh"), std::string::npos) << listed;
}

}  // namespace
}  // namespace gitgate::auth
