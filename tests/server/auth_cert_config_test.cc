// server/detail/auth_cert_config.cc: [auth] trusted_user_ca_keys and revoked_keys, and
// check_config reading the files they name.
#include "server/detail/auth_cert_config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "server/config.h"
#include "tests/auth/test_certificates.h"
#include "tests/server/config_tail.h"
#include "tests/testing/line_errors.h"

namespace gitgate::server {
namespace {

namespace fs = std::filesystem;
using gitgate::testing::errors_text;
using gitgate::testing::expect_line_errors;

using testing::parse_tail;

TEST(AuthCertConfigTest, NoCertificatesUnlessConfigured) {
  auto parsed = parse_tail("");
  ASSERT_TRUE(std::holds_alternative<Config>(parsed));
  EXPECT_TRUE(std::get<Config>(parsed).certificates.trusted_user_ca_keys.empty());
  EXPECT_TRUE(std::get<Config>(parsed).certificates.revoked_keys.empty());
}

TEST(AuthCertConfigTest, ResolvesThePathsAgainstTheConfigDirectory) {
  auto parsed = parse_tail(
      "trusted_user_ca_keys = [\"ca.pub\", \"/srv/ca/other.pub\"]\nrevoked_keys = \"krl\"\n");
  ASSERT_TRUE(std::holds_alternative<Config>(parsed))
      << errors_text(std::get<std::vector<ConfigError>>(parsed));
  const CertificateConfig& certificates = std::get<Config>(parsed).certificates;
  EXPECT_EQ(certificates.trusted_user_ca_keys,
            (std::vector<fs::path>{"/etc/gitgate/ca.pub", "/srv/ca/other.pub"}));
  EXPECT_EQ(certificates.revoked_keys, "/etc/gitgate/krl");
}

TEST(AuthCertConfigTest, ReportsEachMistakeOnItsLine) {
  const struct {
    std::string_view name;
    std::string_view tail;
    std::vector<gitgate::testing::ExpectedError> expected;
  } cases[] = {
      {"not a list",
       "trusted_user_ca_keys = \"ca.pub\"\n",
       {{5, "auth.trusted_user_ca_keys must be an array of strings"}}},
      {"not strings", "trusted_user_ca_keys = [1]\n", {{5, "must hold only strings"}}},
      {"empty path",
       "trusted_user_ca_keys = [\n\"ca.pub\",\n\"\"]\n",
       {{7, "auth.trusted_user_ca_keys must be a non-empty path"}}},
      {"twice", "trusted_user_ca_keys = [\"ca.pub\",\n\"./ca.pub\"]\n", {{6, "twice"}}},
      {"revoked_keys not a string",
       "trusted_user_ca_keys = [\"ca.pub\"]\nrevoked_keys = 1\n",
       {{6, "auth.revoked_keys must be"}}},
      {"revoked_keys without CAs",
       "revoked_keys = \"krl\"\n",
       {{5, "needs auth.trusted_user_ca_keys"}}},
      {"unknown key", "trusted_user_ca_key = []\n", {{5, "unknown key 'trusted_user_ca_key'"}}},
  };
  for (const auto& c : cases) {
    auto parsed = parse_tail(c.tail);
    ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(parsed)) << c.name;
    expect_line_errors(c.name, std::get<std::vector<ConfigError>>(parsed), c.expected);
  }
}

// check_config reads the CA and revoked-keys files as the server does at start.
class CheckCertificatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / fmt::format("gitgate_cert_config_test_{}", getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "repos");
    write("users.toml", "");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const fs::path& name, std::string_view text) {
    std::ofstream out(dir_ / name, std::ios::binary);
    out << text;
  }

  int check(std::string_view auth_tail, std::string& output) {
    write("gitgate.toml", std::string(testing::kConfigHead) + std::string(auth_tail));
    std::ostringstream out;
    const int status = check_config(dir_ / "gitgate.toml", out);
    output = out.str();
    return status;
  }

  fs::path dir_;
};

TEST_F(CheckCertificatesTest, AcceptsGoodFiles) {
  write("ca.pub", std::string(auth::testing::kCaEd25519) + "\n");
  write("revoked", std::string(auth::testing::kUserRsa) + "\n");
  std::string output;
  EXPECT_EQ(check("trusted_user_ca_keys = [\"ca.pub\"]\nrevoked_keys = \"revoked\"\n", output), 0)
      << output;
}

TEST_F(CheckCertificatesTest, NamesTheFileAndLineOfEachMistake) {
  write("ca.pub", std::string(auth::testing::kCaEd25519) + "\nssh-ed25519 AAAA!\n");
  write("revoked", std::string("SSHKRL\n\0", 8) + "truncated");
  std::string output;
  EXPECT_EQ(check("trusted_user_ca_keys = [\"ca.pub\", \"missing.pub\"]\n"
                  "revoked_keys = \"revoked\"\n",
                  output),
            2);
  EXPECT_NE(output.find((dir_ / "ca.pub").string() + ":2: key data is not valid base64"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("gitgate.toml:5: auth.trusted_user_ca_keys: '" +
                        (dir_ / "missing.pub").string() + "': cannot open"),
            std::string::npos)
      << output;
}

TEST_F(CheckCertificatesTest, ReportsABadKrlAtTheLineNamingIt) {
  write("ca.pub", std::string(auth::testing::kCaEd25519) + "\n");
  write("revoked", std::string("SSHKRL\n\0", 8) + "truncated");
  std::string output;
  EXPECT_EQ(check("trusted_user_ca_keys = [\"ca.pub\"]\nrevoked_keys = \"revoked\"\n", output), 2);
  EXPECT_NE(output.find("gitgate.toml:6: auth.revoked_keys: '" + (dir_ / "revoked").string() +
                        "': KRL: "),
            std::string::npos)
      << output;
}

}  // namespace
}  // namespace gitgate::server
