// server/certificate_store.cc: the live trust is replaced only by valid files.
#include "server/certificate_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/auth/test_certificates.h"

namespace gitgate::server {
namespace {

namespace fs = std::filesystem;

class CertificateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / fmt::format("gitgate_cert_store_test_{}", getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const fs::path& name, std::string_view text) {
    std::ofstream out(dir_ / name, std::ios::binary);
    out << text;
  }

  fs::path dir_;
};

TEST_F(CertificateStoreTest, NothingConfiguredTrustsNothing) {
  CertificateStore store(CertificateConfig{});
  EXPECT_FALSE(store.configured());
  EXPECT_TRUE(store.reload().empty());
  EXPECT_EQ(store.get(), nullptr);
}

TEST_F(CertificateStoreTest, AnInvalidReloadKeepsThePreviousTrust) {
  write("ca.pub", std::string(auth::testing::kCaEd25519) + "\n");
  write("revoked", "");
  CertificateStore store(CertificateConfig{{dir_ / "ca.pub"}, dir_ / "revoked"});
  ASSERT_TRUE(store.reload().empty());
  const auto first = store.get();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->ca_count(), 1U);

  write("ca.pub",
        std::string(auth::testing::kCaEd25519) + "\n" + std::string(auth::testing::kCaP256) + "\n");
  write("revoked", "not a key\n");
  const auto errors = store.reload();
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].rfind((dir_ / "revoked").string() + ":1: ", 0), 0U) << errors[0];
  EXPECT_EQ(store.get(), first);

  write("revoked", "# none\n");
  ASSERT_TRUE(store.reload().empty());
  EXPECT_NE(store.get(), first);
  EXPECT_EQ(store.get()->ca_count(), 2U);
}

}  // namespace
}  // namespace gitgate::server
