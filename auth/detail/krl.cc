// PROTOCOL.krl, "1. Overall format":
//
//     uint64  KRL_MAGIC ("SSHKRL\n\0")    uint32  KRL_FORMAT_VERSION (1)
//     uint64  krl_version                 uint64  generated_date
//     uint64  flags                       string  reserved
//     string  comment
//
// then sections of "byte section_type, string section_data".
#include "auth/detail/krl.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "auth/detail/ssh_key.h"

namespace gitgate::auth::detail {
namespace {

constexpr std::string_view kMagic{"SSHKRL\n\0", 8};
constexpr uint32_t kFormatVersion = 1;

enum Section : uint8_t {
  kCertificates = 1,
  kExplicitKey = 2,
  kFingerprintSha1 = 3,
  kSignature = 4,
  kFingerprintSha256 = 5,
  kExtension = 255,
};

enum CertSection : uint8_t {
  kSerialList = 0x20,
  kSerialRange = 0x21,
  kSerialBitmap = 0x22,
  kKeyId = 0x23,
  kCertExtension = 0x39,
};

constexpr size_t kSha1Bytes = 20;
constexpr size_t kSha256Bytes = 32;
// OpenSSH's BITMAP_MAX / 8 (bitmap.c): 16 MiB of bits at most in one bitmap section.
constexpr size_t kMaxBitmapBytes = size_t{1} << 24;

using Result = std::optional<std::string>;  // an error, or nothing

std::vector<uint8_t> key_as_compared(Bytes blob) {
  auto parsed = parse_public_key(blob);
  if (auto* key = std::get_if<PublicKey>(&parsed)) {
    return std::move(key->blob);
  }
  return {blob.begin(), blob.end()};
}

// "string extension_name, boolean is_critical, string extension_contents": none is
// known, so a critical one cannot be honoured.
Result extension(Bytes data) {
  WireReader reader(data);
  auto name = reader.text();
  auto critical = name ? reader.u8() : std::nullopt;
  auto contents = critical ? reader.string() : std::nullopt;
  if (!contents || !reader.empty()) {
    return "malformed extension section";
  }
  if (*critical != 0) {
    return "unsupported critical extension";
  }
  return std::nullopt;
}

Result add_range(KrlCertificates& section, uint64_t lo, uint64_t hi) {
  // krl.c ssh_krl_revoke_cert_by_serial_range(): "if (lo > hi || lo == 0)" refused.
  if (lo > hi || lo == 0) {
    return "invalid serial range";
  }
  section.serials.emplace_back(lo, hi);
  return std::nullopt;
}

// "uint64 serial_offset, mpint revoked_keys_bitmap": bit N (from the least significant
// bit of the big-endian bitmap) revokes serial_offset + N. Runs become ranges.
Result serial_bitmap(KrlCertificates& section, WireReader& reader) {
  auto offset = reader.u64();
  auto bitmap = offset ? reader.positive_mpint(kMaxBitmapBytes) : std::nullopt;
  if (!bitmap) {
    return "malformed serial bitmap";
  }
  const size_t bits = bitmap->size() * 8;
  std::optional<uint64_t> run_start;
  for (size_t bit = 0; bit <= bits; ++bit) {
    const bool set = bit < bits && ((*bitmap)[bitmap->size() - 1 - bit / 8] >> (bit % 8) & 1U) != 0;
    if (set && bit > 0 && *offset + bit == 0) {
      return "serial bitmap wraps";
    }
    if (set && !run_start) {
      run_start = *offset + bit;
    } else if (!set && run_start) {
      if (auto failed = add_range(section, *run_start, *offset + bit - 1)) {
        return failed;
      }
      run_start.reset();
    }
  }
  return std::nullopt;
}

Result cert_subsection(KrlCertificates& section, uint8_t type, Bytes data) {
  WireReader reader(data);
  switch (type) {
    case kSerialList:
      while (!reader.empty()) {
        auto serial = reader.u64();
        if (!serial) {
          return "malformed serial list";
        }
        if (auto failed = add_range(section, *serial, *serial)) {
          return failed;
        }
      }
      return std::nullopt;
    case kSerialRange: {
      auto lo = reader.u64();
      auto hi = lo ? reader.u64() : std::nullopt;
      if (!hi || !reader.empty()) {
        return "malformed serial range";
      }
      return add_range(section, *lo, *hi);
    }
    case kSerialBitmap: {
      auto failed = serial_bitmap(section, reader);
      return failed ? failed : reader.empty() ? std::nullopt : Result("malformed serial bitmap");
    }
    case kKeyId:
      while (!reader.empty()) {
        auto key_id = reader.text();
        if (!key_id) {
          return "malformed key id section";
        }
        section.key_ids.emplace(*key_id);
      }
      return std::nullopt;
    case kCertExtension:
      return extension(data);
    default:
      return "unsupported certificate section " + std::to_string(type);
  }
}

// "string ca_key, string reserved", then "byte cert_section_type, string
// cert_section_data" until the end.
Result certificates(Krl& krl, Bytes data) {
  WireReader reader(data);
  auto ca_key = reader.string();
  if (!ca_key || !reader.string()) {
    return "malformed certificate section";
  }
  KrlCertificates section;
  if (!ca_key->empty()) {
    section.ca_key = key_as_compared(*ca_key);
  }
  while (!reader.empty()) {
    auto type = reader.u8();
    auto body = type ? reader.string() : std::nullopt;
    if (!body) {
      return "malformed certificate section";
    }
    if (auto failed = cert_subsection(section, *type, *body)) {
      return failed;
    }
  }
  krl.certificates.push_back(std::move(section));
  return std::nullopt;
}

// "string blob[0] ...": explicit keys (expected_length 0) or fingerprints.
Result blobs(std::set<std::vector<uint8_t>>& into, Bytes data, size_t expected_length) {
  WireReader reader(data);
  while (!reader.empty()) {
    auto blob = reader.string();
    if (!blob || (expected_length != 0 && blob->size() != expected_length)) {
      return "malformed key or fingerprint section";
    }
    into.insert(expected_length == 0 ? key_as_compared(*blob)
                                     : std::vector<uint8_t>(blob->begin(), blob->end()));
  }
  return std::nullopt;
}

Result section(Krl& krl, uint8_t type, Bytes data) {
  switch (type) {
    case kCertificates:
      return certificates(krl, data);
    case kExplicitKey:
      return blobs(krl.keys, data, 0);
    case kFingerprintSha1:
      return blobs(krl.sha1, data, kSha1Bytes);
    case kFingerprintSha256:
      return blobs(krl.sha256, data, kSha256Bytes);
    case kSignature:
      return std::string("signed KRLs are not supported (the signature would go unchecked)");
    case kExtension:
      return extension(data);
    default:
      return "unsupported section " + std::to_string(type);
  }
}

}  // namespace

bool has_krl_magic(Bytes bytes) {
  return bytes.size() >= kMagic.size() &&
         std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) == 0;
}

std::variant<Krl, std::string> parse_krl(Bytes bytes) {
  if (!has_krl_magic(bytes)) {
    return std::string("not a KRL (no SSHKRL magic)");
  }
  WireReader reader(bytes.subspan(kMagic.size()));
  auto version = reader.u32();
  if (!version || *version != kFormatVersion) {
    return std::string("unsupported KRL format version");
  }
  if (!reader.u64() || !reader.u64() || !reader.u64() || !reader.string() || !reader.text()) {
    return std::string("truncated KRL header");
  }
  Krl krl;
  while (!reader.empty()) {
    auto type = reader.u8();
    auto body = type ? reader.string() : std::nullopt;
    if (!body) {
      return std::string("truncated KRL section");
    }
    if (auto failed = section(krl, *type, *body)) {
      return *failed;
    }
  }
  return krl;
}

}  // namespace gitgate::auth::detail
