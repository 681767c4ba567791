// The public entry points of proxyproto/proxy_protocol.cc: detect(), parse() dispatch, CRC32C
// and the typed TLV accessors (go-proxyproto's tlvparse tests for AWS, Azure, GCP and SSL).
#include "proxyproto/proxy_protocol.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "tests/testing/proxy_header_builder.h"

namespace gitgate::proxyproto {
namespace {

using test::Bytes;
using test::from_hex;
using test::ProxyV2Builder;
using test::to_bytes;

struct DetectCase {
  std::string name;
  Bytes bytes;
  Detection expected;
};

// NOLINTNEXTLINE(readability-identifier-naming): the name gtest looks up.
void PrintTo(const DetectCase& c, std::ostream* os) { *os << c.name; }

std::vector<DetectCase> detect_cases() {
  const Bytes sig(kV2Signature.begin(), kV2Signature.end());
  return {
      {"Empty", {}, Detection::kNeedMore},
      {"P", to_bytes("P"), Detection::kNeedMore},
      {"PROXY", to_bytes("PROXY"), Detection::kNeedMore},
      {"ProxySpace", to_bytes("PROXY "), Detection::kV1},
      {"ProxyLine", to_bytes("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), Detection::kV1},
      {"ProxyGarbage", to_bytes("PROXY garbage"), Detection::kV1},
      {"ProxyNoSpace", to_bytes("PROXY\r\n"), Detection::kNotProxy},
      {"Prox", to_bytes("PROX "), Detection::kNotProxy},
      {"SshBanner", to_bytes("SSH-2.0-OpenSSH_9.2p1\r\n"), Detection::kNotProxy},
      {"S", to_bytes("S"), Detection::kNotProxy},
      {"Http", to_bytes("GET / HTTP/1.1\r\n"), Detection::kNotProxy},
      {"Cr", from_hex("0d"), Detection::kNeedMore},
      {"SignatureButOne", Bytes(sig.begin(), sig.end() - 1), Detection::kNeedMore},
      {"Signature", sig, Detection::kV2},
      {"SignatureAndMore", ProxyV2Builder().build(), Detection::kV2},
      {"SignatureDiverges", from_hex("0d0a0d0a000d0a5155495400"), Detection::kNotProxy},
      // go-proxyproto "truncated v2 signature": the signature without its first 2 bytes.
      {"TruncatedSignature", Bytes(sig.begin() + 2, sig.end()), Detection::kNotProxy},
      {"TlsClientHello", from_hex("160301"), Detection::kNotProxy},
  };
}

class DetectTest : public testing::TestWithParam<DetectCase> {};

TEST_P(DetectTest, TellsV1V2OrNot) {
  EXPECT_EQ(detect(GetParam().bytes), GetParam().expected) << to_string(detect(GetParam().bytes));
}

INSTANTIATE_TEST_SUITE_P(Prefixes, DetectTest, testing::ValuesIn(detect_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(ParseTest, NotProxySaysWhereItDiverges) {
  const ParseResult r = parse(to_bytes("PROXX TCP4"));
  ASSERT_TRUE(std::holds_alternative<Invalid>(r));
  EXPECT_EQ(std::get<Invalid>(r).reason,
            "not a PROXY protocol header: byte 5 (0x58) diverges from both \"PROXY \" and the "
            "v2 signature");
}

TEST(ParseTest, DetectAndParseAgree) {
  for (const DetectCase& c : detect_cases()) {
    const ParseResult r = parse(c.bytes);
    if (c.expected == Detection::kNotProxy) {
      EXPECT_TRUE(std::holds_alternative<Invalid>(r)) << c.name;
    }
    if (c.expected == Detection::kNeedMore) {
      EXPECT_TRUE(std::holds_alternative<NeedMore>(r)) << c.name;
    }
  }
}

TEST(Crc32cTest, KnownValues) {
  EXPECT_EQ(crc32c({}), 0U);
  // The CRC-32C check value (RFC 3720 B.4 and every CRC catalogue).
  EXPECT_EQ(crc32c(to_bytes("123456789")), 0xE3069283U);
  // RFC 3720 B.4: 32 bytes of zeros, of 0xff, and ascending 0..31.
  EXPECT_EQ(crc32c(Bytes(32, 0)), 0x8A9136AAU);
  EXPECT_EQ(crc32c(Bytes(32, 0xff)), 0x62A8AB43U);
  Bytes ascending(32);
  for (size_t i = 0; i < ascending.size(); ++i) {
    ascending[i] = static_cast<uint8_t>(i);
  }
  EXPECT_EQ(crc32c(ascending), 0x46DD794EU);
}

TEST(Crc32cTest, Chains) {
  const Bytes all = to_bytes("gitgate PROXY protocol");
  const std::span<const uint8_t> span(all);
  for (size_t cut = 0; cut <= all.size(); ++cut) {
    EXPECT_EQ(crc32c(span.subspan(cut), crc32c(span.first(cut))), crc32c(all)) << cut;
  }
}

Header with(std::vector<Tlv> tlvs) {
  Header h;
  h.version = Version::kV2;
  h.tlvs = std::move(tlvs);
  return h;
}

Tlv tlv(uint8_t type, std::string_view value) { return Tlv{type, {value.begin(), value.end()}}; }

TEST(TlvAccessTest, SpecStrings) {
  const Header h = with({tlv(0x01, "h2"), tlv(0x02, "git.example.com"), tlv(0x05, "id-1"),
                         tlv(0x30, "blue"), tlv(0x02, "second.example.com")});
  EXPECT_EQ(h.alpn(), "h2");
  EXPECT_EQ(h.authority(), "git.example.com");  // the first of a type wins
  EXPECT_EQ(h.unique_id(), "id-1");
  EXPECT_EQ(h.netns(), "blue");
  EXPECT_EQ(h.find_tlv(TlvType::kNoop), nullptr);
  const Header none = with({});
  EXPECT_FALSE(none.alpn() || none.authority() || none.unique_id() || none.netns() ||
               none.crc32c() || none.ssl() || none.aws_vpce_id() || none.azure_link_id() ||
               none.gcp_psc_connection_id());
}

// HAProxy reg-test proxy_protocol_tlv_embedded_nul: a text value holding a NUL is no text.
TEST(TlvAccessTest, TextWithNulIsAbsent) {
  const std::string nul("public\0x", 8);
  const Header h = with({tlv(0x01, nul), tlv(0x02, nul), tlv(0x05, nul), tlv(0x30, nul),
                         Tlv{0x20, test::ssl_value(0x01, 0, {{0x22, nul}, {0x21, "TLSv1.3"}})}});
  EXPECT_EQ(h.alpn(), std::nullopt);
  EXPECT_EQ(h.authority(), std::nullopt);
  EXPECT_EQ(h.unique_id(), std::nullopt);
  EXPECT_EQ(h.netns(), std::nullopt);
  ASSERT_NE(h.find_tlv(TlvType::kAuthority), nullptr);
  EXPECT_EQ(h.find_tlv(TlvType::kAuthority)->value, Bytes(nul.begin(), nul.end()));
  ASSERT_TRUE(h.ssl().has_value());
  EXPECT_EQ(h.ssl()->cn(), std::nullopt);
  EXPECT_EQ(h.ssl()->version(), "TLSv1.3");
}

TEST(TlvAccessTest, SslWithZeroClientAndVerify) {
  const Header h = with({tlv(0x20, std::string(5, '\0'))});
  ASSERT_TRUE(h.ssl().has_value());
  EXPECT_FALSE(h.ssl()->client_ssl());
  EXPECT_TRUE(h.ssl()->verified());
  EXPECT_TRUE(h.ssl()->sub_tlvs.empty());
}

struct AwsCase {
  std::string name;
  std::vector<Tlv> tlvs;
  std::optional<std::string> expected;
};

TEST(TlvAccessTest, AwsVpceId) {
  const std::vector<AwsCase> cases = {
      {"Example", {tlv(0xEA, "\x01vpce-08d2bf15fac5001c9")}, "vpce-08d2bf15fac5001c9"},
      {"Empty", {tlv(0xEA, "\x01")}, ""},
      {"BadChars", {tlv(0xEA, "\x01vcpe-!?***&&&&&&&")}, std::nullopt},
      {"UnknownSubtype", {tlv(0xEA, "\x02vpce-abc1234")}, std::nullopt},
      {"NoSubtype", {tlv(0xEA, "")}, std::nullopt},
      {"SecondIsValid", {tlv(0xEA, "\x02x"), tlv(0xEA, "\x01vpce-abc1234")}, "vpce-abc1234"},
  };
  for (const AwsCase& c : cases) {
    EXPECT_EQ(with(c.tlvs).aws_vpce_id(), c.expected) << c.name;
  }
}

TEST(TlvAccessTest, AzureLinkId) {
  const Tlv aws = tlv(0xEA, "\x01vpce-abc123");
  const Tlv wrong_subtype = tlv(0xEE, std::string("\x02\x01\x01\x01\x01", 5));
  const Tlv wrong_length = tlv(0xEE, std::string("\x02\x01\x01", 3));
  const Tlv good = tlv(0xEE, std::string("\x01\xc1\x45\x00\x21", 5));
  const Tlv good_too = tlv(0xEE, std::string("\x01\xc1\x45\x00\x22", 5));
  EXPECT_EQ(with({aws}).azure_link_id(), std::nullopt);
  EXPECT_EQ(with({wrong_subtype}).azure_link_id(), std::nullopt);
  EXPECT_EQ(with({wrong_length}).azure_link_id(), std::nullopt);
  EXPECT_EQ(with({good}).azure_link_id(), 0x210045c1U);
  EXPECT_EQ(with({aws, wrong_subtype, wrong_length, good, good_too}).azure_link_id(), 0x210045c1U);
}

TEST(TlvAccessTest, GcpPscConnectionId) {
  const Tlv good = tlv(0xE0, std::string("\xff\xff\xff\xff\xc0\xa8\x64\x02", 8));
  EXPECT_EQ(with({good}).gcp_psc_connection_id(), 18446744072646845442ULL);
  EXPECT_EQ(with({tlv(0xE0, "\xff\xff\xff")}).gcp_psc_connection_id(), std::nullopt);
  EXPECT_EQ(
      with({tlv(0xEA, "\x01vpce-abc123"), tlv(0xE0, "\xff\xff\xff"), good}).gcp_psc_connection_id(),
      18446744072646845442ULL);
}

// HAProxy's SSL TLVs, as go-proxyproto's ssl_test.go has them.
TEST(TlvAccessTest, SslWithClientCertificate) {
  const Header h = with(
      {Tlv{0x20, test::ssl_value(0x07, 0,
                                 {{0x21, "TLSv1.3"}, {0x22, "Example Common Name Client Cert"}})}});
  const std::optional<SslInfo> ssl = h.ssl();
  ASSERT_TRUE(ssl.has_value());
  EXPECT_TRUE(ssl->client_ssl());
  EXPECT_TRUE(ssl->client_cert_conn());
  EXPECT_TRUE(ssl->client_cert_sess());
  EXPECT_TRUE(ssl->verified());
  EXPECT_EQ(ssl->version(), "TLSv1.3");
  EXPECT_EQ(ssl->cn(), "Example Common Name Client Cert");
  EXPECT_EQ(ssl->cipher(), std::nullopt);
  EXPECT_EQ(ssl->sub_tlvs.size(), 2U);
}

TEST(TlvAccessTest, SslWithoutClientCertificate) {
  const Header h = with({Tlv{0x20, test::ssl_value(0x01, 1,
                                                   {{0x21, "TLSv1.3"},
                                                    {0x23, "TLS_AES_256_GCM_SHA384"},
                                                    {0x24, "RSA-SHA256"},
                                                    {0x25, "RSA2048"},
                                                    {0x2f, "kept raw"}})}});
  const std::optional<SslInfo> ssl = h.ssl();
  ASSERT_TRUE(ssl.has_value());
  EXPECT_TRUE(ssl->client_ssl());
  EXPECT_FALSE(ssl->client_cert_conn());
  EXPECT_FALSE(ssl->client_cert_sess());
  EXPECT_FALSE(ssl->verified());
  EXPECT_EQ(ssl->verify, 1U);
  EXPECT_EQ(ssl->cn(), std::nullopt);
  EXPECT_EQ(ssl->cipher(), "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(ssl->sig_alg(), "RSA-SHA256");
  EXPECT_EQ(ssl->key_alg(), "RSA2048");
  ASSERT_EQ(ssl->sub_tlvs.size(), 5U);
  EXPECT_EQ(ssl->sub_tlvs[4], tlv(0x2f, "kept raw"));
}

TEST(TlvAccessTest, MalformedSslIsAbsent) {
  EXPECT_EQ(with({tlv(0x20, std::string("\x01\x00\x00\x00", 4))}).ssl(), std::nullopt);
  EXPECT_EQ(with({tlv(0x20, std::string("\x01\x00\x00\x00\x00\x21\x00\x09TLS", 11))}).ssl(),
            std::nullopt);
}

TEST(TlvAccessTest, Crc32cValue) {
  EXPECT_EQ(with({tlv(0x03, std::string("\xe8\xd6\x89\x2d", 4))}).crc32c(), 0xe8d6892dU);
  EXPECT_EQ(with({tlv(0x03, "abc")}).crc32c(), std::nullopt);
}

TEST(HeaderTest, HasAddressesOnlyWhenTheyCameFromTheHeader) {
  const auto header_of = [](const Bytes& bytes) {
    const ParseResult r = parse(bytes);
    EXPECT_TRUE(std::holds_alternative<Header>(r)) << test::describe(r);
    return std::holds_alternative<Header>(r) ? std::get<Header>(r) : Header{};
  };
  EXPECT_TRUE(header_of(to_bytes("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n")).has_addresses());
  EXPECT_FALSE(header_of(to_bytes("PROXY UNKNOWN\r\n")).has_addresses());
  EXPECT_TRUE(header_of(ProxyV2Builder().tcp("::1", 1, "::2", 2).build()).has_addresses());
  EXPECT_TRUE(header_of(ProxyV2Builder().unix_stream("/a", "/b").build()).has_addresses());
  EXPECT_FALSE(header_of(ProxyV2Builder().build()).has_addresses());
  EXPECT_FALSE(
      header_of(ProxyV2Builder().command(Command::kLocal).tcp("1.2.3.4", 1, "5.6.7.8", 2).build())
          .has_addresses());
}

// The access log's real client, with the lead's example addresses.
TEST(HeaderTest, ClientAddressForTheAccessLog) {
  const ParseResult r = parse(ProxyV2Builder().tcp("203.0.113.9", 50123, "10.0.0.5", 7999).build());
  ASSERT_TRUE(std::holds_alternative<Header>(r));
  EXPECT_EQ(std::get<Header>(r).source.to_string(), "203.0.113.9:50123");
  EXPECT_EQ(std::get<Header>(r).destination.ip_string(), "10.0.0.5");
  const ParseResult r6 = parse(to_bytes("PROXY TCP6 2001:DB8:0:0:1:0:0:1 ::1 50123 7999\r\n"));
  ASSERT_TRUE(std::holds_alternative<Header>(r6));
  EXPECT_EQ(std::get<Header>(r6).source.to_string(), "[2001:db8::1:0:0:1]:50123");
}

}  // namespace
}  // namespace gitgate::proxyproto
