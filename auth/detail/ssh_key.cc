#include "auth/detail/ssh_key.h"

#include <array>
#include <bit>

namespace gitgate::auth::detail {
namespace {

struct AlgorithmName {
  KeyAlgorithm algorithm;
  std::string_view type;
  std::string_view curve;  // RFC 5656 section 6.1's identifier; empty if not ECDSA
  size_t point_bytes;      // uncompressed point: 0x04 || X || Y
};

constexpr std::array<AlgorithmName, 5> kAlgorithms{{
    {KeyAlgorithm::kEd25519, "ssh-ed25519", "", 0},
    {KeyAlgorithm::kEcdsaP256, "ecdsa-sha2-nistp256", "nistp256", 1 + 2 * 32},
    {KeyAlgorithm::kEcdsaP384, "ecdsa-sha2-nistp384", "nistp384", 1 + 2 * 48},
    {KeyAlgorithm::kEcdsaP521, "ecdsa-sha2-nistp521", "nistp521", 1 + 2 * 66},
    {KeyAlgorithm::kRsa, "ssh-rsa", "", 0},
}};

// RFC 8032 section 5.1.5: an Ed25519 public key is 32 bytes.
constexpr size_t kEd25519KeyBytes = 32;
constexpr uint8_t kUncompressedPoint = 0x04;

const AlgorithmName& name_of(KeyAlgorithm algorithm) {
  return kAlgorithms.at(static_cast<size_t>(algorithm));
}

size_t bit_length(Bytes magnitude) {
  if (magnitude.empty()) {
    return 0;
  }
  return (magnitude.size() - 1) * 8 + static_cast<size_t>(std::bit_width(magnitude[0]));
}

}  // namespace

std::string_view key_type_name(KeyAlgorithm algorithm) { return name_of(algorithm).type; }

std::optional<KeyAlgorithm> algorithm_of(std::string_view type_name) {
  for (const AlgorithmName& entry : kAlgorithms) {
    if (entry.type == type_name) {
      return entry.algorithm;
    }
  }
  return std::nullopt;
}

std::variant<PublicKey, std::string> read_key_fields(KeyAlgorithm algorithm, WireReader& reader) {
  const AlgorithmName& name = name_of(algorithm);
  PublicKey key;
  key.algorithm = algorithm;
  put_string(key.blob, name.type);
  switch (algorithm) {
    case KeyAlgorithm::kEd25519: {
      auto pk = reader.string();
      if (!pk) {
        return std::string("truncated ssh-ed25519 key");
      }
      if (pk->size() != kEd25519KeyBytes) {
        return std::string("ssh-ed25519 key is not 32 bytes");
      }
      key.first.assign(pk->begin(), pk->end());
      put_string(key.blob, *pk);
      return key;
    }
    case KeyAlgorithm::kEcdsaP256:
    case KeyAlgorithm::kEcdsaP384:
    case KeyAlgorithm::kEcdsaP521: {
      // RFC 5656 section 3.1: string identifier, string Q. OpenSSH refuses a curve
      // identifier that differs from the type name's (sshkey.c, "curve mismatch").
      auto curve = reader.string();
      auto point = curve ? reader.string() : std::nullopt;
      if (!point) {
        return std::string("truncated ECDSA key");
      }
      if (as_text(*curve) != name.curve) {
        return std::string(name.type) + " key names another curve";
      }
      if (point->size() != name.point_bytes || (*point)[0] != kUncompressedPoint) {
        return std::string(name.type) + " key is not an uncompressed point of its curve";
      }
      key.first.assign(point->begin(), point->end());
      put_string(key.blob, name.curve);
      put_string(key.blob, *point);
      return key;
    }
    case KeyAlgorithm::kRsa: {
      // RFC 4253 section 6.6: mpint e, mpint n.
      auto e = reader.positive_mpint(kMaxRsaBytes);
      auto n = e ? reader.positive_mpint(kMaxRsaBytes) : std::nullopt;
      if (!n) {
        return std::string("truncated or malformed ssh-rsa key");
      }
      if (e->empty() || ((*e)[e->size() - 1] & 1U) == 0) {
        return std::string("ssh-rsa key has an even exponent");
      }
      if (bit_length(*n) < kMinRsaBits) {
        return "ssh-rsa key is shorter than " + std::to_string(kMinRsaBits) + " bits";
      }
      key.first.assign(e->begin(), e->end());
      key.second.assign(n->begin(), n->end());
      put_positive_mpint(key.blob, *e);
      put_positive_mpint(key.blob, *n);
      return key;
    }
  }
  return std::string("unknown key algorithm");
}

std::variant<PublicKey, std::string> parse_public_key(Bytes blob) {
  WireReader reader(blob);
  auto type = reader.text();
  if (!type) {
    return std::string("truncated key");
  }
  auto algorithm = algorithm_of(*type);
  if (!algorithm) {
    return "unsupported key type '" + std::string(type->substr(0, 64)) + "'";
  }
  auto key = read_key_fields(*algorithm, reader);
  if (std::holds_alternative<PublicKey>(key) && !reader.empty()) {
    return std::string("trailing bytes after the key");
  }
  return key;
}

}  // namespace gitgate::auth::detail
