// auth/detail/ssh_key.cc and ssh_wire.cc: plain keys read from blobs into one canonical
// encoding, and what is refused.
#include "auth/detail/ssh_key.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/key_blob.h"
#include "tests/auth/cert_builder.h"
#include "tests/auth/test_certificates.h"
#include "tests/auth/test_keys.h"

namespace gitgate::auth::detail {
namespace {

using testing::Blob;

Blob blob_of(std::string_view line) {
  const size_t start = line.find(' ') + 1;
  return decode_key_blob(line.substr(start, line.find(' ', start) - start)).value();
}

// ssh-keygen writes canonical blobs: each parses back to exactly its own bytes.
TEST(SshKey, SshKeygensKeysAreCanonical) {
  for (const std::string_view line :
       {testing::kCaEd25519, testing::kCaP256, testing::kCaP384, testing::kCaP521, testing::kCaRsa,
        testing::kCarolRsa.line, testing::kDaveP521.line}) {
    const Blob blob = blob_of(line);
    auto parsed = parse_public_key(blob);
    ASSERT_TRUE(std::holds_alternative<PublicKey>(parsed)) << std::get<std::string>(parsed);
    EXPECT_EQ(std::get<PublicKey>(parsed).blob, blob) << line.substr(0, 30);
  }
}

// An RSA key with a superfluous leading zero in e and n is the same key: it gets the
// canonical blob, so revocation and trust compare it equal.
TEST(SshKey, RsaLeadingZerosAreStripped) {
  const auto rsa = std::get<PublicKey>(parse_public_key(blob_of(testing::kCaRsa)));
  Blob padded;
  put_string(padded, "ssh-rsa");
  Blob e{0, 0};
  e.insert(e.end(), rsa.first.begin(), rsa.first.end());
  Blob n{0, 0};
  n.insert(n.end(), rsa.second.begin(), rsa.second.end());
  put_string(padded, e);
  put_string(padded, n);
  auto parsed = parse_public_key(padded);
  ASSERT_TRUE(std::holds_alternative<PublicKey>(parsed));
  EXPECT_EQ(std::get<PublicKey>(parsed).blob, rsa.blob);
}

TEST(SshKey, RefusesMalformedKeys) {
  const auto rsa = std::get<PublicKey>(parse_public_key(blob_of(testing::kCaRsa)));
  const auto p256 = std::get<PublicKey>(parse_public_key(blob_of(testing::kCaP256)));
  auto make = [](std::string_view type, const std::vector<Blob>& fields) {
    Blob out;
    put_string(out, type);
    for (const Blob& field : fields) {
      put_string(out, field);
    }
    return out;
  };
  const std::vector<std::pair<std::string, Blob>> table{
      {"unknown type", make("ssh-dss", {Blob(20, 1)})},
      {"ed25519 of 33 bytes", make("ssh-ed25519", {Blob(33, 1)})},
      {"ecdsa naming another curve",
       make("ecdsa-sha2-nistp256", {testing::text_blob("nistp384"), p256.first})},
      {"compressed point",
       make("ecdsa-sha2-nistp256", {testing::text_blob("nistp256"), Blob(33, 2)})},
      {"rsa of 1016 bits", make("ssh-rsa", {rsa.first, Blob(127, 0x7f)})},
      {"rsa with a negative modulus", make("ssh-rsa", {rsa.first, Blob(256, 0xff)})},
      {"rsa with an even exponent", make("ssh-rsa", {Blob{0x02}, rsa.second})},
      {"trailing bytes",
       [&] {
         Blob out = rsa.blob;
         out.push_back(0);
         return out;
       }()},
      {"empty", {}},
  };
  for (const auto& [name, blob] : table) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_public_key(blob))) << name;
  }
}

TEST(SshWire, ReadsEachType) {
  const Blob bytes{7, 0, 0, 0, 2, 'h', 'i', 0, 0, 0, 0, 0, 0, 1, 9, 0, 0, 0, 1};
  WireReader reader(bytes);
  EXPECT_EQ(reader.u8(), 7);
  EXPECT_EQ(reader.text(), "hi");
  EXPECT_EQ(reader.u64(), 0x109U);
  EXPECT_EQ(reader.u32(), 1U);
  EXPECT_TRUE(reader.empty());
  EXPECT_FALSE(reader.u8().has_value());
}

// A failed read consumes nothing: the caller's error names the field that was cut.
TEST(SshWire, RefusesWithoutConsuming) {
  const std::vector<std::pair<std::string, Blob>> table{
      {"string longer than the bytes", Blob{0, 0, 0, 5, 'a', 'b'}},
      {"text holding a NUL", Blob{0, 0, 0, 3, 'a', 0, 'b'}},
      {"length cut", Blob{0, 0, 1}},
  };
  for (const auto& [name, bytes] : table) {
    WireReader reader(bytes);
    EXPECT_FALSE(reader.text().has_value()) << name;
    EXPECT_EQ(reader.remaining(), bytes.size()) << name;
  }
}

TEST(SshWire, PositiveMpints) {
  const struct {
    Blob bytes;
    std::optional<Blob> magnitude;
  } table[] = {
      {{0, 0, 0, 0}, Blob{}},                  // zero
      {{0, 0, 0, 2, 0, 0x80}, Blob{0x80}},     // the sign byte
      {{0, 0, 0, 3, 0, 0, 0x05}, Blob{0x05}},  // superfluous zeros: stripped
      {{0, 0, 0, 1, 0x80}, std::nullopt},      // negative
      {{0, 0, 0, 3, 1, 2, 3}, std::nullopt},   // over max_bytes (2)
  };
  for (const auto& row : table) {
    WireReader reader(row.bytes);
    auto got = reader.positive_mpint(2);
    ASSERT_EQ(got.has_value(), row.magnitude.has_value());
    if (got) {
      EXPECT_EQ(Blob(got->begin(), got->end()), *row.magnitude);
    }
  }
}

}  // namespace
}  // namespace gitgate::auth::detail
