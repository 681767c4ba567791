#include "proxyproto/proxy_protocol.h"

#include <algorithm>
#include <cstring>

#include "proxyproto/detail/common.h"
#include "proxyproto/detail/tlv.h"
#include "proxyproto/detail/v1.h"
#include "proxyproto/detail/v2.h"

namespace gitgate::proxyproto {

namespace {

constexpr std::string_view kV1Prefix = "PROXY ";

// How many leading bytes agree with `prefix`.
size_t common_prefix(std::span<const uint8_t> bytes, std::span<const uint8_t> prefix) {
  const size_t n = std::min(bytes.size(), prefix.size());
  return static_cast<size_t>(
      std::mismatch(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n), prefix.begin())
          .first -
      bytes.begin());
}

// True when the first min(size, prefix size) bytes agree with `prefix`.
bool agrees(std::span<const uint8_t> bytes, std::span<const uint8_t> prefix) {
  return common_prefix(bytes, prefix) == std::min(bytes.size(), prefix.size());
}

std::span<const uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// Table-driven CRC32C: the reflected Castagnoli polynomial 0x1EDC6F41.
constexpr std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < table.size(); ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1U) != 0 ? (crc >> 1) ^ 0x82F63B78U : crc >> 1;
    }
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrc32cTable = make_crc32c_table();

// A TLV value as text. A value holding a NUL byte is refused (HAProxy's reg-test
// proxy_protocol_tlv_embedded_nul): "public\0x" must not pass for "public" wherever the text
// ends up in a C string, a log line or a comparison. find_tlv() still has the raw bytes.
std::optional<std::string> text_value(const std::vector<uint8_t>& value) {
  if (std::find(value.begin(), value.end(), uint8_t{0}) != value.end()) {
    return std::nullopt;
  }
  return std::string(value.begin(), value.end());
}

std::optional<std::string> string_value(const Tlv* tlv) {
  if (tlv == nullptr) {
    return std::nullopt;
  }
  return text_value(tlv->value);
}

// Calls `get` on each TLV of `type` in order; the first value it yields wins.
template <typename T, typename Get>
std::optional<T> first_valid(const std::vector<Tlv>& tlvs, TlvType type, Get get) {
  for (const Tlv& tlv : tlvs) {
    if (tlv.type != static_cast<uint8_t>(type)) {
      continue;
    }
    if (std::optional<T> value = get(tlv.value)) {
      return value;
    }
  }
  return std::nullopt;
}

// Vendor TLVs (spec 2.2.8 custom range) carry a subtype byte first.
constexpr uint8_t kAwsVpceIdSubtype = 0x01;
constexpr uint8_t kAzureLinkIdSubtype = 0x01;

}  // namespace

Detection detect(std::span<const uint8_t> bytes) {
  const bool v1 = agrees(bytes, as_bytes(kV1Prefix));
  const bool v2 = agrees(bytes, kV2Signature);
  if (v1 && bytes.size() >= kV1Prefix.size()) {
    return Detection::kV1;
  }
  if (v2 && bytes.size() >= kV2Signature.size()) {
    return Detection::kV2;
  }
  if (v1 || v2) {
    return Detection::kNeedMore;
  }
  return Detection::kNotProxy;
}

std::string_view to_string(Detection detection) {
  switch (detection) {
    case Detection::kNeedMore:
      return "need-more";
    case Detection::kV1:
      return "v1";
    case Detection::kV2:
      return "v2";
    case Detection::kNotProxy:
      return "not-proxy";
  }
  return "?";
}

ParseResult parse(std::span<const uint8_t> bytes, const ParseOptions& options) {
  switch (detect(bytes)) {
    case Detection::kV1:
      return detail::parse_v1(bytes);
    case Detection::kV2:
      return detail::parse_v2(bytes, options);
    case Detection::kNeedMore:
      // A proper prefix of the v2 signature or of "PROXY " (or nothing yet).
      if (!bytes.empty() && bytes[0] == kV2Signature[0]) {
        return NeedMore{kV2FixedLength};
      }
      return NeedMore{std::max(bytes.size() + 1, kV1MinLength)};
    case Detection::kNotProxy:
      break;
  }
  const size_t agreed =
      std::max(common_prefix(bytes, as_bytes(kV1Prefix)), common_prefix(bytes, kV2Signature));
  return Invalid{"not a PROXY protocol header: byte " + std::to_string(agreed + 1) + " (" +
                 detail::hex(bytes[agreed]) +
                 ") diverges from both \"PROXY \" and the v2 signature"};
}

uint32_t crc32c(std::span<const uint8_t> bytes, uint32_t crc) {
  crc = ~crc;
  for (uint8_t b : bytes) {
    crc = kCrc32cTable[(crc ^ b) & 0xffU] ^ (crc >> 8);
  }
  return ~crc;
}

const Tlv* Header::find_tlv(uint8_t type) const {
  for (const Tlv& tlv : tlvs) {
    if (tlv.type == type) {
      return &tlv;
    }
  }
  return nullptr;
}

std::optional<uint32_t> Header::crc32c() const {
  const Tlv* tlv = find_tlv(TlvType::kCrc32c);
  if (tlv == nullptr || tlv->value.size() != 4) {
    return std::nullopt;
  }
  return detail::load_be32(tlv->value.data());
}

std::optional<SslInfo> Header::ssl() const {
  return first_valid<SslInfo>(tlvs, TlvType::kSsl, [](const std::vector<uint8_t>& value) {
    return detail::parse_ssl(value);
  });
}

std::optional<std::string> Header::alpn() const { return string_value(find_tlv(TlvType::kAlpn)); }

std::optional<std::string> Header::authority() const {
  return string_value(find_tlv(TlvType::kAuthority));
}

std::optional<std::string> Header::unique_id() const {
  return string_value(find_tlv(TlvType::kUniqueId));
}

std::optional<std::string> Header::netns() const { return string_value(find_tlv(TlvType::kNetns)); }

// AWS: subtype 0x01, then the VPC endpoint id ("vpce-0123456789abcdef0"): letters, digits
// and '-' only, so it can go into a log line as it is.
std::optional<std::string> Header::aws_vpce_id() const {
  return first_valid<std::string>(
      tlvs, TlvType::kAws, [](const std::vector<uint8_t>& value) -> std::optional<std::string> {
        if (value.empty() || value[0] != kAwsVpceIdSubtype) {
          return std::nullopt;
        }
        const bool clean = std::all_of(value.begin() + 1, value.end(), [](uint8_t ch) {
          return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '-';
        });
        if (!clean) {
          return std::nullopt;
        }
        return std::string(value.begin() + 1, value.end());
      });
}

// Azure: subtype 0x01, then the private endpoint's LINKID, 4 bytes little-endian.
std::optional<uint32_t> Header::azure_link_id() const {
  return first_valid<uint32_t>(tlvs, TlvType::kAzure,
                               [](const std::vector<uint8_t>& value) -> std::optional<uint32_t> {
                                 if (value.size() != 5 || value[0] != kAzureLinkIdSubtype) {
                                   return std::nullopt;
                                 }
                                 return uint32_t{value[1]} | (uint32_t{value[2]} << 8) |
                                        (uint32_t{value[3]} << 16) | (uint32_t{value[4]} << 24);
                               });
}

// GCP: the Private Service Connect connection id, 8 bytes big-endian.
std::optional<uint64_t> Header::gcp_psc_connection_id() const {
  return first_valid<uint64_t>(tlvs, TlvType::kGcpPsc,
                               [](const std::vector<uint8_t>& value) -> std::optional<uint64_t> {
                                 if (value.size() != 8) {
                                   return std::nullopt;
                                 }
                                 return (uint64_t{detail::load_be32(value.data())} << 32) |
                                        detail::load_be32(value.data() + 4);
                               });
}

std::optional<std::string> SslInfo::find(SslSubtype subtype) const {
  for (const Tlv& tlv : sub_tlvs) {
    if (tlv.type == static_cast<uint8_t>(subtype)) {
      return text_value(tlv.value);
    }
  }
  return std::nullopt;
}

}  // namespace gitgate::proxyproto
