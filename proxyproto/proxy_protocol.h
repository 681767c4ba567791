// PROXY protocol v1/v2 header parser (HAProxy doc/proxy-protocol.txt).
// Pure: no I/O. Feed it the bytes received so far; it answers need-more,
// invalid (with a reason), or the header and how many bytes it occupies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proxyproto/address.h"

namespace gitgate::proxyproto {

// Wire limits (spec sections 2.1 and 2.2).
inline constexpr size_t kV1MaxLength = 107;  // "PROXY UNKNOWN ...\r\n" worst case
inline constexpr size_t kV2FixedLength = 16;
inline constexpr size_t kV2DefaultMaxLength = 4096;

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

struct Tlv {
  uint8_t type = 0;
  std::vector<uint8_t> value;
};

struct Header {
  Version version = Version::kV1;
  Command command = Command::kLocal;
  AddressFamily family = AddressFamily::kUnspec;
  Transport transport = Transport::kUnspec;
  SocketAddress source;       // set for PROXY over INET/INET6 (and UNIX paths)
  SocketAddress destination;  // likewise
  std::vector<Tlv> tlvs;      // v2 only, in wire order, unknown types kept raw
  size_t length = 0;          // bytes the header occupies on the wire

  // Typed TLV access; nullopt when absent.
  [[nodiscard]] const Tlv* find_tlv(uint8_t type) const;
  [[nodiscard]] std::optional<std::string> alpn() const;
  [[nodiscard]] std::optional<std::string> authority() const;
  [[nodiscard]] std::optional<std::string> unique_id() const;
  [[nodiscard]] std::optional<std::string> aws_vpce_id() const;
  [[nodiscard]] std::optional<uint32_t> azure_link_id() const;
  [[nodiscard]] std::optional<uint64_t> gcp_psc_connection_id() const;
  [[nodiscard]] std::optional<std::string> netns() const;
};

struct NeedMore {
  size_t at_least = 1;  // total bytes (from the start) needed before parsing again
};

struct Invalid {
  std::string reason;
};

using ParseResult = std::variant<Header, NeedMore, Invalid>;

struct ParseOptions {
  size_t max_v2_length = kV2DefaultMaxLength;
};

// What the first bytes of a connection say.
enum class Detection : uint8_t { kNeedMore, kV1, kV2, kNotProxy };
[[nodiscard]] Detection detect(std::span<const uint8_t> bytes);

[[nodiscard]] ParseResult parse(std::span<const uint8_t> bytes, const ParseOptions& options = {});

}  // namespace gitgate::proxyproto
