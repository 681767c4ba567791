// auth/certificate.cc: certificates as ssh-keygen writes them, every truncation and every
// flipped byte of one, and malformed ones minted by a test CA.
#include "auth/certificate.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "auth/key_blob.h"
#include "tests/auth/cert_builder.h"
#include "tests/auth/test_certificates.h"

namespace gitgate::auth {
namespace {

std::vector<uint8_t> blob_of(std::string_view line) {
  const size_t start = line.find(' ') + 1;
  auto blob = decode_key_blob(line.substr(start, line.find(' ', start) - start));
  return blob.value_or(std::vector<uint8_t>{});
}

Certificate parsed(std::string_view line) {
  auto result = parse_certificate(blob_of(line));
  if (auto* error = std::get_if<CertificateError>(&result)) {
    ADD_FAILURE() << error->message << " for " << line.substr(0, 40);
    return {};
  }
  return std::get<Certificate>(result);
}

// What ssh-keygen -L printed for each.
struct Expected {
  std::string_view line;
  std::string_view type;
  std::string_view key_fingerprint;
  std::string_view ca_fingerprint;
  std::string_view key_id;
  uint64_t serial;
  uint32_t kind;
  std::vector<std::string> principals;
  std::vector<std::string> critical;
  size_t extensions;
  bool signature_ok;
};

const std::vector<Expected>& ssh_keygen_certificates() {
  static const std::vector<Expected> kTable{
      {testing::kCertEd25519ByEd25519,
       "ssh-ed25519-cert-v01@openssh.com",
       "SHA256:FmYvriGQ740qfdivMaKvpILZRjzbeHNHpsi5eAqHvSw",
       "SHA256:xrLyYOkzrP5ASmE0KWOf5J7VSjFvOq4KR6/ssKKfjTY",
       "alice@example",
       42,
       1,
       {"alice", "bob"},
       {},
       5,
       true},
      {testing::kCertP256ByP384,
       "ecdsa-sha2-nistp256-cert-v01@openssh.com",
       "SHA256:y8hUM+q22Nb9eYr2CDW1/ztYuSnC2qyaCkiv/q2GJ3k",
       "SHA256:K8QzBbD376gDqT+XUe0BLB1JH7n0+nDc4G/qpcNoSKo",
       "p256 by p384",
       7,
       1,
       {"alice"},
       {},
       5,
       true},
      {testing::kCertRsaByRsa512,
       "ssh-rsa-cert-v01@openssh.com",
       "SHA256:LHsAoEZc+b/owd8xe56pn1iw6LixJqS9mk+nZnUJ/a8",
       "SHA256:Ybqv7SZPB93Oz9Brwp8rK48xXytcmIED8oamGH2wk+w",
       "rsa by rsa 512",
       8,
       1,
       {"alice"},
       {},
       5,
       true},
      {testing::kCertEd25519ByRsa256,
       "ssh-ed25519-cert-v01@openssh.com",
       "SHA256:FmYvriGQ740qfdivMaKvpILZRjzbeHNHpsi5eAqHvSw",
       "SHA256:Ybqv7SZPB93Oz9Brwp8rK48xXytcmIED8oamGH2wk+w",
       "ed by rsa 256",
       9,
       1,
       {"alice"},
       {},
       5,
       true},
      {testing::kCertP521ByP521Options,
       "ecdsa-sha2-nistp521-cert-v01@openssh.com",
       "SHA256:SdGrHv5roWDNFhnUB2rG5mFaV1Bl+GihotoOEGLiylY",
       "SHA256:ecYQYT+n+mexvg9s5oDxdFBc6h89zTB1W9+l63EYK94",
       "p521 options",
       10,
       1,
       {"alice"},
       {"force-command", "source-address"},
       5,
       true},
      // Signed with ssh-rsa (SHA-1): parsed, but its signature is refused.
      {testing::kCertEd25519ByRsaSha1,
       "ssh-ed25519-cert-v01@openssh.com",
       "SHA256:FmYvriGQ740qfdivMaKvpILZRjzbeHNHpsi5eAqHvSw",
       "SHA256:Ybqv7SZPB93Oz9Brwp8rK48xXytcmIED8oamGH2wk+w",
       "sha1",
       11,
       1,
       {"alice"},
       {},
       5,
       false},
      {testing::kCertHost,
       "ssh-ed25519-cert-v01@openssh.com",
       "SHA256:FmYvriGQ740qfdivMaKvpILZRjzbeHNHpsi5eAqHvSw",
       "SHA256:xrLyYOkzrP5ASmE0KWOf5J7VSjFvOq4KR6/ssKKfjTY",
       "host",
       12,
       2,
       {"host.example"},
       {},
       0,
       true},
      {testing::kCertP521ByP256,
       "ecdsa-sha2-nistp521-cert-v01@openssh.com",
       "SHA256:SdGrHv5roWDNFhnUB2rG5mFaV1Bl+GihotoOEGLiylY",
       "SHA256:XK6hQQzga9IK7agnSCEy2dWeNq4HaQ9wAtT6/Qp+Fzw",
       "p521 by p256",
       0,
       1,
       {"alice"},
       {},
       5,
       true},
  };
  return kTable;
}

TEST(Certificate, ReadsWhatSshKeygenWrote) {
  for (const Expected& expected : ssh_keygen_certificates()) {
    SCOPED_TRACE(expected.key_id);
    const Certificate certificate = parsed(expected.line);
    EXPECT_EQ(certificate.type, expected.type);
    EXPECT_EQ(fingerprint(certificate.key), expected.key_fingerprint);
    EXPECT_EQ(fingerprint(certificate.ca_key), expected.ca_fingerprint);
    EXPECT_EQ(certificate.key_id, expected.key_id);
    EXPECT_EQ(certificate.serial, expected.serial);
    EXPECT_EQ(certificate.kind, expected.kind);
    EXPECT_EQ(certificate.principals, expected.principals);
    EXPECT_EQ(certificate.valid_after, testing::kValidAfter);
    EXPECT_EQ(certificate.valid_before, testing::kValidBefore);
    std::vector<std::string> critical;
    for (const CertificateOption& option : certificate.critical_options) {
      critical.push_back(option.name);
    }
    EXPECT_EQ(critical, expected.critical);
    EXPECT_EQ(certificate.extensions.size(), expected.extensions);
    const std::string why = verify_certificate_signature(certificate);
    EXPECT_EQ(why.empty(), expected.signature_ok) << why;
  }
}

TEST(Certificate, RefusesSha1SignaturesByName) {
  const std::string why = verify_certificate_signature(parsed(testing::kCertEd25519ByRsaSha1));
  EXPECT_NE(why.find("SHA-1"), std::string::npos) << why;
}

TEST(Certificate, RefusesEveryTruncationAndTrailingBytes) {
  for (const Expected& expected : ssh_keygen_certificates()) {
    const std::vector<uint8_t> blob = blob_of(expected.line);
    for (size_t length = 0; length < blob.size(); ++length) {
      EXPECT_TRUE(std::holds_alternative<CertificateError>(
          parse_certificate(std::span(blob.data(), length))))
          << expected.key_id << " cut at " << length;
    }
    std::vector<uint8_t> longer = blob;
    longer.push_back(0);
    EXPECT_TRUE(std::holds_alternative<CertificateError>(parse_certificate(longer)));
  }
}

// The signature covers every byte before it, and the signature itself must verify: no
// single changed byte leaves a certificate that parses and verifies.
TEST(Certificate, NoFlippedByteStillVerifies) {
  for (const std::string_view line :
       {testing::kCertEd25519ByEd25519, testing::kCertP256ByP384, testing::kCertEd25519ByRsa256}) {
    const std::vector<uint8_t> blob = blob_of(line);
    for (size_t i = 0; i < blob.size(); ++i) {
      std::vector<uint8_t> changed = blob;
      changed[i] ^= 0x01;
      auto result = parse_certificate(changed);
      if (const auto* certificate = std::get_if<Certificate>(&result)) {
        EXPECT_FALSE(verify_certificate_signature(*certificate).empty()) << "byte " << i;
      }
    }
  }
}

TEST(Certificate, MintedByTheTestCaVerifies) {
  const testing::TestCa ca;
  auto result = parse_certificate(ca.sign({}));
  ASSERT_TRUE(std::holds_alternative<Certificate>(result));
  EXPECT_EQ(verify_certificate_signature(std::get<Certificate>(result)), "");
  EXPECT_EQ(std::get<Certificate>(result).ca_key, ca.public_blob());
}

struct Malformed {
  std::string name;
  testing::CertSpec spec;
};

std::vector<Malformed> malformed_specs(const testing::TestCa& other) {
  std::vector<Malformed> table;
  auto add = [&table](std::string name, auto change) {
    testing::CertSpec spec;
    change(spec);
    table.push_back({std::move(name), std::move(spec)});
  };
  add("unknown certificate type 3", [](auto& s) { s.kind = 3; });
  add("ssh-dss certificate", [](auto& s) { s.type = "ssh-dss-cert-v01@openssh.com"; });
  add("FIDO certificate", [](auto& s) { s.type = "sk-ssh-ed25519-cert-v01@openssh.com"; });
  add("31-byte Ed25519 key", [](auto& s) { s.user_key.resize(31); });
  add("NUL in a principal", [](auto& s) { s.principals = {std::string("ali\0ce", 6)}; });
  add("NUL in the key id", [](auto& s) { s.key_id = std::string("id\0x", 4); });
  add("257 principals", [](auto& s) { s.principals.assign(kMaxPrincipals + 1, "p"); });
  add("a critical option twice", [](auto& s) {
    s.critical = {{"source-address", testing::string_data("10.0.0.0/8")},
                  {"source-address", testing::string_data("10.0.0.0/8")}};
  });
  add("chained: a certificate as CA key",
      [&other](auto& s) { s.ca_key_override = other.sign({}); });
  add("extensions holding a lone name", [](auto& s) {
    testing::Blob lone;
    detail::put_string(lone, "permit-pty");
    s.raw_extensions = lone;
  });
  add("critical options ending inside a length", [](auto& s) {
    s.raw_critical = testing::Blob{0, 0, 0};
  });
  add("principals ending inside a string", [](auto& s) {
    s.raw_principals = testing::Blob{0, 0, 0, 5, 'a'};
  });
  add("an unknown CA key type", [](auto& s) {
    testing::Blob key;
    detail::put_string(key, "ssh-dss");
    s.ca_key_override = key;
  });
  return table;
}

TEST(Certificate, RefusesMalformedFields) {
  const testing::TestCa ca;
  const testing::TestCa other;
  for (const Malformed& entry : malformed_specs(other)) {
    EXPECT_TRUE(std::holds_alternative<CertificateError>(parse_certificate(ca.sign(entry.spec))))
        << entry.name;
  }
}

TEST(Certificate, KnowsTheCertificateTypes) {
  EXPECT_FALSE(is_certificate_type("ssh-ed25519"));
  EXPECT_FALSE(is_certificate_type("ssh-dss-cert-v01@openssh.com"));
  EXPECT_TRUE(is_certificate_type("ssh-rsa-cert-v01@openssh.com"));
  EXPECT_TRUE(is_certificate_type("ecdsa-sha2-nistp384-cert-v01@openssh.com"));
}

}  // namespace
}  // namespace gitgate::auth
