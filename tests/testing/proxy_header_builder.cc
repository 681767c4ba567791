#include "tests/testing/proxy_header_builder.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <variant>

namespace gitgate::test {

namespace {

void append_be16(Bytes* out, size_t value) {
  out->push_back(static_cast<uint8_t>((value >> 8) & 0xff));
  out->push_back(static_cast<uint8_t>(value & 0xff));
}

void append_be32(Bytes* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<uint8_t>(value >> shift));
  }
}

void append_tlv(Bytes* out, uint8_t type, std::span<const uint8_t> value) {
  EXPECT_LE(value.size(), 0xffffU) << "TLV value too long for its 16-bit length";
  out->push_back(type);
  append_be16(out, value.size());
  out->insert(out->end(), value.begin(), value.end());
}

int hex_digit(char ch) {
  if (ch >= '0' && ch <= '9') {
    return ch - '0';
  }
  if (ch >= 'a' && ch <= 'f') {
    return ch - 'a' + 10;
  }
  if (ch >= 'A' && ch <= 'F') {
    return ch - 'A' + 10;
  }
  return -1;
}

}  // namespace

Bytes to_bytes(std::string_view text) { return {text.begin(), text.end()}; }

Bytes from_hex(std::string_view hex) {
  Bytes out;
  int high = -1;
  for (char ch : hex) {
    if (ch == ' ' || ch == '\n' || ch == '\t') {
      continue;
    }
    const int digit = hex_digit(ch);
    if (digit < 0) {
      ADD_FAILURE() << "bad hex digit '" << ch << "'";
      return out;
    }
    if (high < 0) {
      high = digit;
    } else {
      out.push_back(static_cast<uint8_t>(high * 16 + digit));
      high = -1;
    }
  }
  EXPECT_LT(high, 0) << "odd number of hex digits";
  return out;
}

Bytes concat(std::initializer_list<std::span<const uint8_t>> parts) {
  Bytes out;
  for (auto part : parts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::string v1_line(std::string_view protocol, std::string_view source,
                    std::string_view destination, uint16_t source_port, uint16_t destination_port) {
  return "PROXY " + std::string(protocol) + " " + std::string(source) + " " +
         std::string(destination) + " " + std::to_string(source_port) + " " +
         std::to_string(destination_port) + "\r\n";
}

Bytes ssl_value(uint8_t client, uint32_t verify,
                const std::vector<std::pair<uint8_t, std::string>>& sub_tlvs) {
  Bytes out{client};
  append_be32(&out, verify);
  for (const auto& [type, value] : sub_tlvs) {
    append_tlv(&out, type, to_bytes(value));
  }
  return out;
}

ProxyV2Builder& ProxyV2Builder::command(proxyproto::Command command) {
  ver_cmd_ = command == proxyproto::Command::kLocal ? 0x20 : 0x21;
  return *this;
}

ProxyV2Builder& ProxyV2Builder::ver_cmd(uint8_t byte) {
  ver_cmd_ = byte;
  return *this;
}

ProxyV2Builder& ProxyV2Builder::fam(uint8_t byte) {
  fam_ = byte;
  return *this;
}

ProxyV2Builder& ProxyV2Builder::tcp(std::string_view source, uint16_t source_port,
                                    std::string_view destination, uint16_t destination_port) {
  const std::string src(source);
  const std::string dst(destination);
  std::array<uint8_t, 16> a{};
  std::array<uint8_t, 16> b{};
  addresses_.clear();
  if (inet_pton(AF_INET, src.c_str(), a.data()) == 1 &&
      inet_pton(AF_INET, dst.c_str(), b.data()) == 1) {
    default_fam_ = 0x11;
    addresses_.insert(addresses_.end(), a.begin(), a.begin() + 4);
    addresses_.insert(addresses_.end(), b.begin(), b.begin() + 4);
  } else if (inet_pton(AF_INET6, src.c_str(), a.data()) == 1 &&
             inet_pton(AF_INET6, dst.c_str(), b.data()) == 1) {
    default_fam_ = 0x21;
    addresses_.insert(addresses_.end(), a.begin(), a.end());
    addresses_.insert(addresses_.end(), b.begin(), b.end());
  } else {
    ADD_FAILURE() << "not a pair of IPv4 or IPv6 addresses: " << src << " " << dst;
  }
  append_be16(&addresses_, source_port);
  append_be16(&addresses_, destination_port);
  return *this;
}

ProxyV2Builder& ProxyV2Builder::unix_stream(std::string_view source, std::string_view destination) {
  constexpr size_t kPath = 108;
  default_fam_ = 0x31;
  addresses_.assign(2 * kPath, 0);
  std::copy_n(source.begin(), std::min(source.size(), kPath), addresses_.begin());
  std::copy_n(destination.begin(), std::min(destination.size(), kPath), addresses_.begin() + kPath);
  return *this;
}

ProxyV2Builder& ProxyV2Builder::address_block(Bytes block) {
  addresses_ = std::move(block);
  return *this;
}

ProxyV2Builder& ProxyV2Builder::tlv(uint8_t type, std::span<const uint8_t> value) {
  append_tlv(&tail_, type, value);
  return *this;
}

ProxyV2Builder& ProxyV2Builder::tlv(uint8_t type, std::string_view value) {
  return tlv(type, to_bytes(value));
}

ProxyV2Builder& ProxyV2Builder::tlv(proxyproto::TlvType type, std::string_view value) {
  return tlv(static_cast<uint8_t>(type), value);
}

ProxyV2Builder& ProxyV2Builder::noop(size_t padding) {
  return tlv(static_cast<uint8_t>(proxyproto::TlvType::kNoop), Bytes(padding, 0));
}

ProxyV2Builder& ProxyV2Builder::crc32c(std::optional<uint32_t> forced) {
  append_tlv(&tail_, static_cast<uint8_t>(proxyproto::TlvType::kCrc32c), Bytes(4, 0));
  crc_at_ = tail_.size() - 4;
  crc_forced_ = forced;
  return *this;
}

ProxyV2Builder& ProxyV2Builder::raw(std::span<const uint8_t> bytes) {
  tail_.insert(tail_.end(), bytes.begin(), bytes.end());
  return *this;
}

ProxyV2Builder& ProxyV2Builder::length(uint16_t declared) {
  length_ = declared;
  return *this;
}

Bytes ProxyV2Builder::build() const {
  Bytes out(proxyproto::kV2Signature.begin(), proxyproto::kV2Signature.end());
  out.push_back(ver_cmd_);
  out.push_back(fam_.value_or(default_fam_));
  append_be16(&out, length_.value_or(static_cast<uint16_t>(addresses_.size() + tail_.size())));
  out.insert(out.end(), addresses_.begin(), addresses_.end());
  const size_t tail_start = out.size();
  out.insert(out.end(), tail_.begin(), tail_.end());
  if (crc_at_) {
    const size_t at = tail_start + *crc_at_;
    const uint32_t crc = crc_forced_.value_or(proxyproto::crc32c(out));
    for (size_t i = 0; i < 4; ++i) {
      out[at + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
    }
  }
  return out;
}

namespace {

const proxyproto::Header* as_header(const proxyproto::ParseResult& r) {
  return std::get_if<proxyproto::Header>(&r);
}

Bytes with_trailer(std::span<const uint8_t> header, std::string_view trailer) {
  Bytes out(header.begin(), header.end());
  out.insert(out.end(), trailer.begin(), trailer.end());
  return out;
}

}  // namespace

void expect_every_split(std::span<const uint8_t> header, const proxyproto::Header& expected,
                        const proxyproto::ParseOptions& options) {
  const bool v2 = expected.version == proxyproto::Version::kV2;
  for (size_t k = 0; k < header.size(); ++k) {
    const proxyproto::ParseResult r = proxyproto::parse(header.first(k), options);
    const auto* more = std::get_if<proxyproto::NeedMore>(&r);
    ASSERT_NE(more, nullptr) << "prefix of " << k << " bytes: " << describe(r);
    EXPECT_GT(more->at_least, k) << "prefix of " << k << " bytes";
    EXPECT_LE(more->at_least, header.size()) << "prefix of " << k << " bytes";
    if (v2 && k >= proxyproto::kV2FixedLength) {
      EXPECT_EQ(more->at_least, header.size());
    }
  }
  const proxyproto::ParseResult whole = proxyproto::parse(header, options);
  ASSERT_NE(as_header(whole), nullptr) << describe(whole);
  EXPECT_EQ(*as_header(whole), expected);
  EXPECT_EQ(as_header(whole)->length, header.size());
  for (std::string_view trailer :
       {std::string_view("SSH-2.0-OpenSSH_9.2p1\r\n"), std::string_view("\r\n\xff\x00\x01", 5)}) {
    const proxyproto::ParseResult more = proxyproto::parse(with_trailer(header, trailer), options);
    ASSERT_NE(as_header(more), nullptr) << describe(more);
    EXPECT_EQ(*as_header(more), expected);
  }
}

void expect_invalid_from(std::span<const uint8_t> bytes, size_t valid_prefix,
                         std::string_view reason_part, const proxyproto::ParseOptions& options) {
  ASSERT_LT(valid_prefix, bytes.size());
  for (size_t k = 0; k <= bytes.size(); ++k) {
    const proxyproto::ParseResult r = proxyproto::parse(bytes.first(k), options);
    if (k <= valid_prefix) {
      EXPECT_TRUE(std::holds_alternative<proxyproto::NeedMore>(r))
          << "prefix of " << k << " bytes: " << describe(r);
      continue;
    }
    const auto* invalid = std::get_if<proxyproto::Invalid>(&r);
    ASSERT_NE(invalid, nullptr) << "prefix of " << k << " bytes: " << describe(r);
    EXPECT_NE(invalid->reason.find(reason_part), std::string::npos)
        << "prefix of " << k << " bytes: " << invalid->reason;
  }
}

std::string describe(const proxyproto::ParseResult& result) {
  std::ostringstream os;
  if (const auto* header = as_header(result)) {
    proxyproto::PrintTo(*header, &os);
  } else if (const auto* more = std::get_if<proxyproto::NeedMore>(&result)) {
    os << "NeedMore{" << more->at_least << "}";
  } else {
    os << "Invalid{" << std::get<proxyproto::Invalid>(result).reason << "}";
  }
  return os.str();
}

void expect_fuzz_seed(const std::string& corpus_dir, std::span<const uint8_t> bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (uint8_t b : bytes) {
    hash = (hash ^ b) * 0x100000001b3ULL;
  }
  std::array<char, 17> name{};
  std::snprintf(name.data(), name.size(), "%016llx", static_cast<unsigned long long>(hash));
  const std::filesystem::path path = std::filesystem::path(corpus_dir) / name.data();
  std::ifstream in(path, std::ios::binary);
  if (in) {
    const Bytes stored{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    EXPECT_EQ(stored, Bytes(bytes.begin(), bytes.end())) << path;
    return;
  }
  const char* write = std::getenv("GITGATE_WRITE_SEEDS");
  if (write != nullptr && std::string_view(write) == "1") {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    return;
  }
  ADD_FAILURE() << "missing fuzz seed " << path
                << " (run the test with GITGATE_WRITE_SEEDS=1 and commit it)";
}

}  // namespace gitgate::test

namespace gitgate::proxyproto {

// NOLINTNEXTLINE(readability-identifier-naming): the name gtest looks up.
void PrintTo(const Header& header, std::ostream* os) {
  *os << "Header{v" << static_cast<int>(header.version)
      << (header.command == Command::kLocal ? " LOCAL" : " PROXY")
      << " family=" << static_cast<int>(header.family)
      << " transport=" << static_cast<int>(header.transport)
      << " source=" << header.source.to_string()
      << " destination=" << header.destination.to_string() << " tlvs=[";
  for (const Tlv& tlv : header.tlvs) {
    *os << " 0x" << std::hex << int{tlv.type} << std::dec << ":" << tlv.value.size();
  }
  *os << " ] length=" << header.length << "}";
}

}  // namespace gitgate::proxyproto
