// Builds PROXY protocol headers for tests: v1 lines, and v2 binary headers with any address
// block, TLVs (SSL with sub-TLVs, vendor TLVs, NOOP padding) and a computed CRC32C. Raw
// overrides (version/command byte, family byte, declared length, trailing bytes) make the
// invalid ones.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxyproto/proxy_protocol.h"

namespace gitgate::test {

using Bytes = std::vector<uint8_t>;

Bytes to_bytes(std::string_view text);
// "0d 0a 0d0a ..." → bytes; whitespace is ignored. Fails the current test on a bad digit.
Bytes from_hex(std::string_view hex);
Bytes concat(std::initializer_list<std::span<const uint8_t>> parts);

// "PROXY <protocol> <source> <destination> <source_port> <destination_port>\r\n"
std::string v1_line(std::string_view protocol, std::string_view source,
                    std::string_view destination, uint16_t source_port, uint16_t destination_port);

// The value of a PP2_TYPE_SSL TLV: client, verify (big-endian), then the sub-TLVs.
Bytes ssl_value(uint8_t client, uint32_t verify,
                const std::vector<std::pair<uint8_t, std::string>>& sub_tlvs);

class ProxyV2Builder {
 public:
  // Starts as version 2, PROXY, UNSPEC (fam 0x00), no address block, no TLVs.
  ProxyV2Builder& command(proxyproto::Command command);
  ProxyV2Builder& ver_cmd(uint8_t byte);  // the raw 13th byte
  ProxyV2Builder& fam(uint8_t byte);      // the raw 14th byte, kept by later address calls
  // fam 0x11 or 0x21 (from the address text, unless fam() was called) and the address block.
  ProxyV2Builder& tcp(std::string_view source, uint16_t source_port, std::string_view destination,
                      uint16_t destination_port);
  // fam 0x31 and two 108-byte NUL-padded paths.
  ProxyV2Builder& unix_stream(std::string_view source, std::string_view destination);
  ProxyV2Builder& address_block(Bytes block);  // raw

  ProxyV2Builder& tlv(uint8_t type, std::span<const uint8_t> value);
  ProxyV2Builder& tlv(uint8_t type, std::string_view value);
  ProxyV2Builder& tlv(proxyproto::TlvType type, std::string_view value);
  ProxyV2Builder& noop(size_t padding);
  // A CRC32C TLV at this point; build() fills in the checksum of the whole header, or
  // `forced` when given (to make a mismatch).
  ProxyV2Builder& crc32c(std::optional<uint32_t> forced = std::nullopt);
  // Bytes after the TLVs, inside the declared length (a malformed tail).
  ProxyV2Builder& raw(std::span<const uint8_t> bytes);
  ProxyV2Builder& length(uint16_t declared);  // overrides the length field

  [[nodiscard]] Bytes build() const;

 private:
  uint8_t ver_cmd_ = 0x21;
  std::optional<uint8_t> fam_;
  uint8_t default_fam_ = 0x00;
  Bytes addresses_;
  Bytes tail_;                    // TLVs and raw bytes, in order
  std::optional<size_t> crc_at_;  // offset of the CRC32C value in tail_
  std::optional<uint32_t> crc_forced_;
  std::optional<uint16_t> length_;
};

// Checks every way a valid header can arrive: each proper prefix is NeedMore with
// prefix size < at_least <= header size (exactly the header size for v2 once its 16 fixed bytes
// are in), the whole parses to `expected` with length == header size, and bytes after it
// (an SSH banner, binary junk) change neither the header nor its length.
void expect_every_split(std::span<const uint8_t> header, const proxyproto::Header& expected,
                        const proxyproto::ParseOptions& options = {});

// Checks that `bytes` become invalid exactly when byte `valid_prefix` + 1 arrives: every prefix
// up to `valid_prefix` bytes is NeedMore, every longer one Invalid with a reason containing
// `reason_part`.
void expect_invalid_from(std::span<const uint8_t> bytes, size_t valid_prefix,
                         std::string_view reason_part,
                         const proxyproto::ParseOptions& options = {});

// "Header{v2 PROXY ...}", "NeedMore{16}", "Invalid{...}": for failure messages.
std::string describe(const proxyproto::ParseResult& result);

// Fuzz seeds come from the test vectors: checks that `corpus_dir` (a fuzz target's seed
// directory) holds `bytes`, as a file named by their FNV-1a hash. With GITGATE_WRITE_SEEDS=1 in
// the environment it writes a missing seed instead of failing.
void expect_fuzz_seed(const std::string& corpus_dir, std::span<const uint8_t> bytes);

}  // namespace gitgate::test

namespace gitgate::proxyproto {
// NOLINTNEXTLINE(readability-identifier-naming): the name gtest looks up.
void PrintTo(const Header& header, std::ostream* os);
}  // namespace gitgate::proxyproto
