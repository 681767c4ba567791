#include "auth/detail/authorized_key.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <optional>

#include "auth/detail/base64.h"

namespace gitgate::auth::detail {
namespace {

// Longer than any real key line (a 16384-bit RSA key is about 2.8 KB of base64).
constexpr size_t kMaxLineLength = 16384;
constexpr size_t kEd25519KeyLength = 32;

// What follows the type string inside the blob (PROTOCOL.key, RFC 8709, RFC 5656
// section 3.1, RFC 4253 section 6.6, PROTOCOL.u2f): the curve name when the type
// names one, the public value's exact length when fixed (0 = any non-empty
// value), and whether a FIDO application string ends the blob.
struct KeyShape {
  std::string_view type;
  std::string_view curve;     // empty: no curve field
  size_t public_length;       // 0: variable
  bool rsa = false;           // e and n (two mpints) instead of one value
  bool security_key = false;  // trailing "application" string
};

constexpr std::array<KeyShape, 7> kShapes{{
    {"ssh-ed25519", "", kEd25519KeyLength},
    {"ssh-rsa", "", 0, true},
    {"ecdsa-sha2-nistp256", "nistp256", 65},  // uncompressed point: 0x04 || x || y
    {"ecdsa-sha2-nistp384", "nistp384", 97},
    {"ecdsa-sha2-nistp521", "nistp521", 133},
    {"sk-ssh-ed25519@openssh.com", "", kEd25519KeyLength, false, true},
    {"sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", 65, false, true},
}};

const KeyShape* find_shape(std::string_view type) {
  const auto* it = std::find_if(kShapes.begin(), kShapes.end(),
                                [&](const KeyShape& shape) { return shape.type == type; });
  return it == kShapes.end() ? nullptr : &*it;
}

// Reads the SSH "string" encoding: uint32 length (big endian), then the bytes.
class BlobReader {
 public:
  explicit BlobReader(std::span<const uint8_t> blob) : rest_(blob) {}

  std::optional<std::span<const uint8_t>> string() {
    if (rest_.size() < 4) {
      return std::nullopt;
    }
    const size_t length = (size_t{rest_[0]} << 24) | (size_t{rest_[1]} << 16) |
                          (size_t{rest_[2]} << 8) | size_t{rest_[3]};
    if (rest_.size() - 4 < length) {
      return std::nullopt;
    }
    auto value = rest_.subspan(4, length);
    rest_ = rest_.subspan(4 + length);
    return value;
  }

  [[nodiscard]] bool at_end() const { return rest_.empty(); }

 private:
  std::span<const uint8_t> rest_;
};

std::string_view as_text(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Checks the blob's fields against the declared type; an empty message means it fits.
std::string check_blob(const KeyShape& shape, std::span<const uint8_t> blob) {
  BlobReader reader(blob);
  auto type = reader.string();
  if (!type) {
    return "key data is truncated";
  }
  if (as_text(*type) != shape.type) {
    return fmt::format("key data is of type '{}', but the line says '{}'", as_text(*type),
                       shape.type);
  }
  if (!shape.curve.empty()) {
    auto curve = reader.string();
    if (!curve || as_text(*curve) != shape.curve) {
      return fmt::format("key data does not name curve '{}'", shape.curve);
    }
  }
  const size_t values = shape.rsa ? 2 : 1;
  for (size_t i = 0; i < values; ++i) {
    auto value = reader.string();
    if (!value || value->empty()) {
      return "key data is truncated";
    }
    if (shape.public_length != 0 && value->size() != shape.public_length) {
      return fmt::format("public key is {} bytes, expected {}", value->size(), shape.public_length);
    }
  }
  if (shape.security_key && !reader.string()) {
    return "key data lacks the security key's application";
  }
  if (!reader.at_end()) {
    return "key data has trailing bytes";
  }
  return {};
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Splits off the first blank-separated token; `rest` keeps what follows, blanks trimmed.
std::string_view next_token(std::string_view& rest) {
  while (!rest.empty() && is_blank(rest.front())) {
    rest.remove_prefix(1);
  }
  size_t end = 0;
  while (end < rest.size() && !is_blank(rest[end])) {
    ++end;
  }
  const std::string_view token = rest.substr(0, end);
  rest.remove_prefix(end);
  while (!rest.empty() && is_blank(rest.front())) {
    rest.remove_prefix(1);
  }
  return token;
}

KeyError unknown_type_error(std::string_view first, std::string_view line) {
  // The type may follow options such as restrict,command="a b": look further along.
  std::string_view rest = line;
  while (!rest.empty()) {
    if (find_shape(next_token(rest)) != nullptr) {
      return {fmt::format(
          "key options ('{}') are not supported; gitgate would not apply them, so remove them",
          first)};
    }
  }
  if (first.ends_with("-cert-v01@openssh.com")) {
    return {fmt::format("certificate keys ('{}') are not supported", first)};
  }
  return {fmt::format("unknown key type '{}'", first)};
}

}  // namespace

// authorized_keys line, sshd(8): [options] keytype base64-key [comment]
std::variant<AuthorizedKey, KeyError> parse_authorized_key(std::string_view line) {
  if (line.size() > kMaxLineLength) {
    return KeyError{fmt::format("key is longer than {} bytes", kMaxLineLength)};
  }
  while (!line.empty() && (is_blank(line.back()) || line.back() == '\r' || line.back() == '\n')) {
    line.remove_suffix(1);
  }
  std::string_view rest = line;
  const std::string_view type = next_token(rest);
  if (type.empty()) {
    return KeyError{"key is empty"};
  }
  const KeyShape* shape = find_shape(type);
  if (shape == nullptr) {
    return unknown_type_error(type, line);
  }
  const std::string_view encoded = next_token(rest);
  if (encoded.empty()) {
    return KeyError{fmt::format("'{}' is not followed by the key's base64 data", type)};
  }
  auto blob = base64_decode(encoded);
  if (!blob) {
    return KeyError{"key data is not valid base64"};
  }
  if (std::string problem = check_blob(*shape, *blob); !problem.empty()) {
    return KeyError{std::move(problem)};
  }
  return AuthorizedKey{std::string(type), std::move(*blob), std::string(rest)};
}

std::string sha256_raw(std::span<const uint8_t> blob) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(blob.data(), blob.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    return {};  // only on allocation failure; an empty fingerprint matches nothing
  }
  return {reinterpret_cast<const char*>(digest.data()), length};
}

}  // namespace gitgate::auth::detail
