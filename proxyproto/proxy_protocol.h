// PROXY protocol v1/v2 header parser (HAProxy doc/proxy-protocol.txt).
// Pure: no I/O. Feed it the bytes received so far; it answers need-more,
// invalid (with a reason), or the header and how many bytes it occupies.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "net/socket_address.h"

namespace gitgate::proxyproto {

// Wire limits (spec sections 2.1 and 2.2).
inline constexpr size_t kV1MaxLength = 107;  // "PROXY UNKNOWN ...\r\n" worst case
inline constexpr size_t kV2FixedLength = 16;
inline constexpr size_t kV2DefaultMaxLength = 4096;
inline constexpr size_t kV1MinLength = 15;  // "PROXY UNKNOWN\r\n"
inline constexpr std::array<uint8_t, 12> kV2Signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                         0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
inline constexpr size_t kUniqueIdMaxLength = 128;  // section 2.2.5

enum class Version : uint8_t { kV1 = 1, kV2 = 2 };
enum class Command : uint8_t { kLocal, kProxy };
enum class AddressFamily : uint8_t { kUnspec, kInet, kInet6, kUnix };
enum class Transport : uint8_t { kUnspec, kStream, kDgram };

// v2 TLV types (section 2.2.x) and the cloud vendors' ones NLB/Azure/GCP send.
enum class TlvType : uint8_t {
  kAlpn = 0x01,
  kAuthority = 0x02,
  kCrc32c = 0x03,
  kNoop = 0x04,
  kUniqueId = 0x05,
  kSsl = 0x20,
  kNetns = 0x30,
  kGcpPsc = 0xE0,
  kAws = 0xEA,
  kAzure = 0xEE,
};

// Second-level TLVs inside PP2_TYPE_SSL (section 2.2.6).
enum class SslSubtype : uint8_t {
  kVersion = 0x21,
  kCn = 0x22,
  kCipher = 0x23,
  kSigAlg = 0x24,
  kKeyAlg = 0x25,
};

struct Tlv {
  uint8_t type = 0;
  std::vector<uint8_t> value;

  friend bool operator==(const Tlv&, const Tlv&) = default;
};

// The value of a PP2_TYPE_SSL TLV: struct pp2_tlv_ssl { client; verify; sub_tlv[] }.
struct SslInfo {
  static constexpr uint8_t kClientSsl = 0x01;
  static constexpr uint8_t kClientCertConn = 0x02;
  static constexpr uint8_t kClientCertSess = 0x04;

  uint8_t client = 0;         // bit field of the kClient* flags
  uint32_t verify = 0;        // zero when the client certificate was presented and verified
  std::vector<Tlv> sub_tlvs;  // in wire order, unknown subtypes kept raw

  [[nodiscard]] bool client_ssl() const { return (client & kClientSsl) != 0; }
  [[nodiscard]] bool client_cert_conn() const { return (client & kClientCertConn) != 0; }
  [[nodiscard]] bool client_cert_sess() const { return (client & kClientCertSess) != 0; }
  [[nodiscard]] bool verified() const { return verify == 0; }
  [[nodiscard]] std::optional<std::string> find(SslSubtype subtype) const;
  [[nodiscard]] std::optional<std::string> version() const { return find(SslSubtype::kVersion); }
  [[nodiscard]] std::optional<std::string> cn() const { return find(SslSubtype::kCn); }
  [[nodiscard]] std::optional<std::string> cipher() const { return find(SslSubtype::kCipher); }
  [[nodiscard]] std::optional<std::string> sig_alg() const { return find(SslSubtype::kSigAlg); }
  [[nodiscard]] std::optional<std::string> key_alg() const { return find(SslSubtype::kKeyAlg); }

  friend bool operator==(const SslInfo&, const SslInfo&) = default;
};

struct Header {
  Version version = Version::kV1;
  Command command = Command::kLocal;              // a v1 line (UNKNOWN too) is kProxy
  AddressFamily family = AddressFamily::kUnspec;  // as sent, even when LOCAL ignores it
  Transport transport = Transport::kUnspec;
  // Set for PROXY over INET/INET6 (and UNIX paths). An IPv4-mapped IPv6 address
  // (::ffff:a.b.c.d) is reported as IPv4, as net::SocketAddress::from_sockaddr does.
  net::SocketAddress source;
  net::SocketAddress destination;
  std::vector<Tlv> tlvs;  // v2 only, in wire order, unknown types kept raw
  size_t length = 0;      // bytes the header occupies on the wire

  // True when source and destination came from the header (v1 TCP4/TCP6, v2 PROXY over
  // INET/INET6/UNIX). False for v2 LOCAL, v1 UNKNOWN and v2 PROXY over UNSPEC: the
  // receiver then uses the socket's own addresses (spec 2.1 and 2.2).
  [[nodiscard]] bool has_addresses() const {
    return source.family != net::SocketAddress::Family::kNone;
  }

  // Typed TLV access; nullopt when absent (or, for the vendor TLVs, of another subtype or
  // malformed; for the text ones, holding a NUL byte). The first TLV of a type wins. A header that
  // parsed has a verified CRC32C, a UNIQUE_ID of at most 128 bytes and a well-formed SSL TLV.
  [[nodiscard]] const Tlv* find_tlv(uint8_t type) const;
  [[nodiscard]] const Tlv* find_tlv(TlvType type) const {
    return find_tlv(static_cast<uint8_t>(type));
  }
  [[nodiscard]] std::optional<uint32_t> crc32c() const;
  [[nodiscard]] std::optional<SslInfo> ssl() const;
  [[nodiscard]] std::optional<std::string> alpn() const;
  [[nodiscard]] std::optional<std::string> authority() const;
  [[nodiscard]] std::optional<std::string> unique_id() const;
  [[nodiscard]] std::optional<std::string> aws_vpce_id() const;
  [[nodiscard]] std::optional<uint32_t> azure_link_id() const;
  [[nodiscard]] std::optional<uint64_t> gcp_psc_connection_id() const;
  [[nodiscard]] std::optional<std::string> netns() const;

  friend bool operator==(const Header&, const Header&) = default;
};

struct NeedMore {
  size_t at_least = 1;  // total bytes (from the start) needed before parsing again

  friend bool operator==(const NeedMore&, const NeedMore&) = default;
};

struct Invalid {
  std::string reason;

  friend bool operator==(const Invalid&, const Invalid&) = default;
};

using ParseResult = std::variant<Header, NeedMore, Invalid>;

struct ParseOptions {
  size_t max_v2_length = kV2DefaultMaxLength;
};

// What the first bytes of a connection say: kNeedMore while they are a proper prefix of
// "PROXY " or of the v2 signature, kV1/kV2 once one matched whole, kNotProxy as soon as
// they diverge from both (an SSH client's "SSH-2.0-..." diverges at byte 0).
enum class Detection : uint8_t { kNeedMore, kV1, kV2, kNotProxy };
[[nodiscard]] Detection detect(std::span<const uint8_t> bytes);
[[nodiscard]] std::string_view to_string(Detection detection);

// Parses the header at the start of `bytes` (bytes after it are never looked at): NeedMore
// while a valid prefix is incomplete, Invalid as soon as the bytes cannot become a valid
// header, else the Header with its length on the wire. Never throws on any input.
[[nodiscard]] ParseResult parse(std::span<const uint8_t> bytes, const ParseOptions& options = {});

// CRC32C (Castagnoli, RFC 4960 appendix B), as PP2_TYPE_CRC32C carries it.
[[nodiscard]] uint32_t crc32c(std::span<const uint8_t> bytes, uint32_t crc = 0);

}  // namespace gitgate::proxyproto
