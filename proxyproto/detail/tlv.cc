#include "proxyproto/detail/tlv.h"

#include "proxyproto/detail/common.h"

// Spec 2.2: after the address block, the rest of the header is TLVs:
//
//   struct pp2_tlv { uint8_t type; uint8_t length_hi; uint8_t length_lo; uint8_t value[0]; };
//
// They must tile the header exactly: a TLV that does not fit, or bytes left over that cannot
// hold a TLV, make the header invalid (HAProxy's reg-test proxy_protocol_tlv_validation).

namespace gitgate::proxyproto::detail {

namespace {

// Calls visit(type, value_offset, value_length) for each TLV of bytes[begin, end) while it
// returns an empty error; returns the first error (a bound or visit's), or empty.
template <typename Visit>
std::string walk(std::span<const uint8_t> bytes, size_t begin, std::string_view what, Visit visit) {
  size_t pos = begin;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < kTlvHeaderLength) {
      return "truncated " + std::string(what) + " at offset " + std::to_string(pos) + ": " +
             std::to_string(bytes.size() - pos) + " byte(s) left, a TLV takes at least 3";
    }
    const uint8_t type = bytes[pos];
    const size_t length = load_be16(&bytes[pos + 1]);
    if (length > bytes.size() - pos - kTlvHeaderLength) {
      return std::string(what) + " " + hex(type) + " at offset " + std::to_string(pos) +
             " declares " + std::to_string(length) + " bytes, only " +
             std::to_string(bytes.size() - pos - kTlvHeaderLength) + " left";
    }
    std::string error = visit(type, pos + kTlvHeaderLength, length);
    if (!error.empty()) {
      return error;
    }
    pos += kTlvHeaderLength + length;
  }
  return {};
}

std::string check_ssl(std::span<const uint8_t> value) {
  if (value.size() < kSslFixedLength) {
    return "SSL TLV of " + std::to_string(value.size()) + " bytes, shorter than client+verify";
  }
  return walk(value, kSslFixedLength, "SSL sub-TLV",
              [](uint8_t, size_t, size_t) { return std::string(); });
}

// CRC32C over the header with the 4 bytes of the checksum's value taken as zeros (2.2.3).
uint32_t crc_with_field_zeroed(std::span<const uint8_t> header, size_t field) {
  constexpr std::array<uint8_t, 4> kZeros{};
  uint32_t crc = crc32c(header.first(field));
  crc = crc32c(kZeros, crc);
  return crc32c(header.subspan(field + kZeros.size()), crc);
}

}  // namespace

TlvCheck check_tlvs(std::span<const uint8_t> header, size_t begin) {
  TlvCheck check;
  std::optional<size_t> crc_field;
  check.error = walk(header, begin, "TLV", [&](uint8_t type, size_t offset, size_t length) {
    ++check.count;
    const auto value = header.subspan(offset, length);
    switch (static_cast<TlvType>(type)) {
      case TlvType::kCrc32c:
        if (length != 4) {
          return "CRC32C TLV of " + std::to_string(length) + " bytes, not 4";
        }
        if (crc_field) {
          return std::string("more than one CRC32C TLV");
        }
        crc_field = offset;
        break;
      case TlvType::kUniqueId:
        if (length > kUniqueIdMaxLength) {
          return "UNIQUE_ID TLV of " + std::to_string(length) + " bytes, at most 128 allowed";
        }
        break;
      case TlvType::kSsl:
        return check_ssl(value);
      default:
        break;
    }
    return std::string();
  });
  if (check.error.empty() && crc_field) {
    const uint32_t sent = load_be32(&header[*crc_field]);
    const uint32_t computed = crc_with_field_zeroed(header, *crc_field);
    if (sent != computed) {
      check.error =
          "CRC32C mismatch: the header says " + hex(sent) + ", its bytes give " + hex(computed);
    }
  }
  return check;
}

std::vector<Tlv> collect_tlvs(std::span<const uint8_t> header, size_t begin, size_t count) {
  std::vector<Tlv> tlvs;
  tlvs.reserve(count);
  (void)walk(header, begin, "TLV", [&](uint8_t type, size_t offset, size_t length) {
    const auto value = header.subspan(offset, length);
    tlvs.push_back(Tlv{type, {value.begin(), value.end()}});
    return std::string();
  });
  return tlvs;
}

std::optional<SslInfo> parse_ssl(std::span<const uint8_t> value) {
  if (!check_ssl(value).empty()) {
    return std::nullopt;
  }
  SslInfo ssl;
  ssl.client = value[0];
  ssl.verify = load_be32(&value[1]);
  (void)walk(value, kSslFixedLength, "SSL sub-TLV",
             [&](uint8_t type, size_t offset, size_t length) {
               const auto sub = value.subspan(offset, length);
               ssl.sub_tlvs.push_back(Tlv{type, {sub.begin(), sub.end()}});
               return std::string();
             });
  return ssl;
}

}  // namespace gitgate::proxyproto::detail
