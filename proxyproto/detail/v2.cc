#include "proxyproto/detail/v2.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "proxyproto/detail/common.h"
#include "proxyproto/detail/tlv.h"

// Spec section 2.2:
//
//   struct proxy_hdr_v2 {
//       uint8_t sig[12];  /* hex 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A */
//       uint8_t ver_cmd;  /* protocol version (high nibble, 2) and command (LOCAL 0, PROXY 1) */
//       uint8_t fam;      /* address family (high nibble) and transport (low nibble) */
//       uint16_t len;     /* number of following bytes part of the header */
//   };
//
// followed by `len` bytes: the address block (12 bytes for INET, 36 for INET6, 216 for UNIX,
// none for UNSPEC), then TLVs up to the end. The length is always honoured, LOCAL included.

namespace gitgate::proxyproto::detail {

namespace {

constexpr size_t kVerCmdOffset = 12;
constexpr size_t kFamOffset = 13;
constexpr size_t kLengthOffset = 14;
constexpr unsigned kVersion = 2;
constexpr size_t kUnixPathLength = 108;

struct FamilyInfo {
  AddressFamily family = AddressFamily::kUnspec;
  Transport transport = Transport::kUnspec;
  size_t address_length = 0;
};

// The seven protocol bytes of the spec; other values "must be rejected as invalid".
std::optional<FamilyInfo> family_info(uint8_t fam) {
  switch (fam) {
    case 0x00:
      return FamilyInfo{AddressFamily::kUnspec, Transport::kUnspec, 0};
    case 0x11:
      return FamilyInfo{AddressFamily::kInet, Transport::kStream, 12};
    case 0x12:
      return FamilyInfo{AddressFamily::kInet, Transport::kDgram, 12};
    case 0x21:
      return FamilyInfo{AddressFamily::kInet6, Transport::kStream, 36};
    case 0x22:
      return FamilyInfo{AddressFamily::kInet6, Transport::kDgram, 36};
    case 0x31:
      return FamilyInfo{AddressFamily::kUnix, Transport::kStream, 2 * kUnixPathLength};
    case 0x32:
      return FamilyInfo{AddressFamily::kUnix, Transport::kDgram, 2 * kUnixPathLength};
    default:
      return std::nullopt;
  }
}

constexpr std::string_view family_name(AddressFamily family) {
  switch (family) {
    case AddressFamily::kUnspec:
      return "UNSPEC";
    case AddressFamily::kInet:
      return "INET";
    case AddressFamily::kInet6:
      return "INET6";
    case AddressFamily::kUnix:
      return "UNIX";
  }
  return "?";
}

Invalid invalid(std::string reason) { return Invalid{"PROXY v2: " + std::move(reason)}; }

// The 13th and 14th bytes, judged as soon as each has arrived.
std::optional<Invalid> check_command_and_family(std::span<const uint8_t> bytes, Command* command,
                                                FamilyInfo* info) {
  if (bytes.size() <= kVerCmdOffset) {
    return std::nullopt;
  }
  const unsigned version = bytes[kVerCmdOffset] >> 4;
  const unsigned cmd = bytes[kVerCmdOffset] & 0x0fU;
  if (version != kVersion) {
    return invalid("version " + std::to_string(version) + ", not 2");
  }
  if (cmd > 1) {
    return invalid("command " + hex(cmd) + ", neither LOCAL nor PROXY");
  }
  *command = cmd == 0 ? Command::kLocal : Command::kProxy;
  if (bytes.size() <= kFamOffset) {
    return std::nullopt;
  }
  const std::optional<FamilyInfo> family = family_info(bytes[kFamOffset]);
  if (!family) {
    return invalid("undefined address family and transport " + hex(bytes[kFamOffset]));
  }
  // A LOCAL header's family is ignored; a proxied datagram flow is nothing gitgate can serve.
  if (*command == Command::kProxy && family->transport == Transport::kDgram) {
    return invalid("DGRAM transport (UDP or unix datagram) refused: gitgate serves TCP only");
  }
  *info = *family;
  return std::nullopt;
}

std::string unix_path(std::span<const uint8_t> bytes) {
  const auto end = std::find(bytes.begin(), bytes.end(), uint8_t{0});
  return {bytes.begin(), end};
}

void read_addresses(std::span<const uint8_t> header, AddressFamily family, Header* out) {
  const uint8_t* block = header.data() + kV2FixedLength;
  switch (family) {
    case AddressFamily::kInet:
      out->source =
          net::SocketAddress::ipv4({block[0], block[1], block[2], block[3]}, load_be16(block + 8));
      out->destination =
          net::SocketAddress::ipv4({block[4], block[5], block[6], block[7]}, load_be16(block + 10));
      break;
    case AddressFamily::kInet6: {
      std::array<uint8_t, 16> source{};
      std::array<uint8_t, 16> destination{};
      std::copy_n(block, 16, source.begin());
      std::copy_n(block + 16, 16, destination.begin());
      out->source = ipv6_address(source, load_be16(block + 32));
      out->destination = ipv6_address(destination, load_be16(block + 34));
      break;
    }
    case AddressFamily::kUnix:
      out->source.family = net::SocketAddress::Family::kUnix;
      out->source.unix_path = unix_path(header.subspan(kV2FixedLength, kUnixPathLength));
      out->destination.family = net::SocketAddress::Family::kUnix;
      out->destination.unix_path =
          unix_path(header.subspan(kV2FixedLength + kUnixPathLength, kUnixPathLength));
      break;
    case AddressFamily::kUnspec:
      break;  // "The receiver should ignore address information."
  }
}

ParseResult with_tlvs(Header header, std::span<const uint8_t> bytes, size_t begin, size_t count) {
  header.tlvs = collect_tlvs(bytes, begin, count);
  return header;
}

// LOCAL: "discard the protocol block including the family". Senders disagree on where its
// TLVs start: AWS NLB's health checks say TCP4 yet put their CRC32C and NOOP TLVs right after
// the 16 fixed bytes, others send the family's address block first. Take the first layout
// whose TLVs all validate (CRC32C included), the one without addresses first.
ParseResult finish_local(Header header, std::span<const uint8_t> bytes, const FamilyInfo& info) {
  TlvCheck bare = check_tlvs(bytes, kV2FixedLength);
  if (bare.error.empty()) {
    return with_tlvs(std::move(header), bytes, kV2FixedLength, bare.count);
  }
  const size_t after_addresses = kV2FixedLength + info.address_length;
  if (info.address_length == 0 || bytes.size() < after_addresses) {
    return invalid("LOCAL: " + bare.error);
  }
  TlvCheck spaced = check_tlvs(bytes, after_addresses);
  if (!spaced.error.empty()) {
    return invalid("LOCAL: " + spaced.error);
  }
  return with_tlvs(std::move(header), bytes, after_addresses, spaced.count);
}

ParseResult finish_proxy(Header header, std::span<const uint8_t> bytes, const FamilyInfo& info) {
  read_addresses(bytes, info.family, &header);
  const size_t begin = kV2FixedLength + info.address_length;
  TlvCheck check = check_tlvs(bytes, begin);
  if (!check.error.empty()) {
    return invalid(std::move(check.error));
  }
  return with_tlvs(std::move(header), bytes, begin, check.count);
}

}  // namespace

ParseResult parse_v2(std::span<const uint8_t> bytes, const ParseOptions& options) {
  Command command = Command::kLocal;
  FamilyInfo info;
  if (auto bad = check_command_and_family(bytes, &command, &info)) {
    return std::move(*bad);
  }
  if (bytes.size() < kV2FixedLength) {
    return NeedMore{kV2FixedLength};
  }

  // The 16 fixed bytes are here: the length decides the rest before any more is read.
  const size_t length = kV2FixedLength + load_be16(&bytes[kLengthOffset]);
  if (length > options.max_v2_length) {
    return invalid("header of " + std::to_string(length) + " bytes exceeds the limit of " +
                   std::to_string(options.max_v2_length));
  }
  if (command == Command::kProxy && length - kV2FixedLength < info.address_length) {
    return invalid("address block of " + std::to_string(length - kV2FixedLength) + " bytes, " +
                   std::string(family_name(info.family)) + " needs " +
                   std::to_string(info.address_length));
  }
  if (bytes.size() < length) {
    return NeedMore{length};
  }

  Header header;
  header.version = Version::kV2;
  header.command = command;
  header.family = info.family;
  header.transport = info.transport;
  header.length = length;
  const auto whole = bytes.first(length);
  if (command == Command::kLocal) {
    return finish_local(std::move(header), whole, info);
  }
  return finish_proxy(std::move(header), whole, info);
}

}  // namespace gitgate::proxyproto::detail
