// Reading the SSH data types of RFC 4251 section 5 out of untrusted bytes, as the
// certificate (PROTOCOL.certkeys) and KRL (PROTOCOL.krl) formats use them. Nothing is
// copied: strings are views into the span the reader was given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gitgate::auth::detail {

using Bytes = std::span<const uint8_t>;

class WireReader {
 public:
  explicit WireReader(Bytes bytes) : bytes_(bytes) {}

  // Each returns nullopt when the bytes end too early (and consumes nothing then).
  std::optional<uint8_t> u8();
  std::optional<uint32_t> u32();
  std::optional<uint64_t> u64();
  // "string": uint32 length, then that many bytes.
  std::optional<Bytes> string();
  // A string holding no NUL byte, as OpenSSH's sshbuf_get_cstring() demands of names,
  // key ids and principals (a NUL would let two spellings of one name differ).
  std::optional<std::string_view> text();
  // A non-negative "mpint" with its leading zero bytes stripped (RFC 4251: "MUST NOT
  // include unnecessary leading bytes"; OpenSSH strips them rather than refusing, and so
  // does this). nullopt for a negative number or one over max_bytes.
  std::optional<Bytes> positive_mpint(size_t max_bytes);

  [[nodiscard]] bool empty() const { return bytes_.empty(); }
  [[nodiscard]] size_t remaining() const { return bytes_.size(); }
  [[nodiscard]] const uint8_t* position() const { return bytes_.data(); }

 private:
  std::optional<Bytes> take(size_t count);

  Bytes bytes_;
};

// The writing side, for the canonical blobs this module compares keys by.
void put_u32(std::vector<uint8_t>& out, uint32_t value);
void put_string(std::vector<uint8_t>& out, Bytes bytes);
void put_string(std::vector<uint8_t>& out, std::string_view text);
// A non-negative mpint from its magnitude (no leading zeros): a 0x00 is prepended when
// the top bit is set, so that it does not read as negative.
void put_positive_mpint(std::vector<uint8_t>& out, Bytes magnitude);

[[nodiscard]] inline std::string_view as_text(Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace gitgate::auth::detail
