// A test CA that speaks the certificate wire format (PROTOCOL.certkeys): it mints
// ssh-ed25519 user certificates with whatever fields a test needs and signs them with a
// fresh Ed25519 key, so that tests can vary one field at a time and still hold a validly
// signed certificate. Also builds KRLs (PROTOCOL.krl) section by section.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "auth/detail/base64.h"
#include "auth/detail/ssh_wire.h"

namespace gitgate::auth::testing {

using Blob = std::vector<uint8_t>;

inline void put_u64(Blob& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<uint8_t>(value >> static_cast<unsigned>(shift)));
  }
}

inline Blob text_blob(std::string_view text) { return {text.begin(), text.end()}; }

// A string holding one string: the data of force-command and source-address.
inline Blob string_data(std::string_view text) {
  Blob out;
  detail::put_string(out, text);
  return out;
}

struct CertSpec {
  std::string type = "ssh-ed25519-cert-v01@openssh.com";
  Blob user_key = Blob(32, 0x11);  // the certified Ed25519 key
  uint64_t serial = 1;
  uint32_t kind = 1;
  std::string key_id = "test-id";
  std::vector<std::string> principals = {"alice"};
  uint64_t valid_after = 0;
  uint64_t valid_before = std::numeric_limits<uint64_t>::max();
  std::vector<std::pair<std::string, Blob>> critical;
  std::vector<std::pair<std::string, Blob>> extensions = {{"permit-pty", {}}};
  // Replace the sections built from the fields above when set (malformed ones).
  std::optional<Blob> raw_principals;
  std::optional<Blob> raw_critical;
  std::optional<Blob> raw_extensions;
  // Replaces the CA key field when set (a chained or malformed CA key).
  std::optional<Blob> ca_key_override;
};

class TestCa {
 public:
  TestCa() {
    EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
    EVP_PKEY* key = nullptr;
    if (context == nullptr || EVP_PKEY_keygen_init(context) != 1 ||
        EVP_PKEY_keygen(context, &key) != 1) {
      throw std::runtime_error("cannot make an Ed25519 key");
    }
    EVP_PKEY_CTX_free(context);
    key_.reset(key);
    std::array<uint8_t, 32> raw{};
    size_t length = raw.size();
    EVP_PKEY_get_raw_public_key(key_.get(), raw.data(), &length);
    detail::put_string(public_blob_, "ssh-ed25519");
    detail::put_string(public_blob_, detail::Bytes(raw));
  }

  [[nodiscard]] const Blob& public_blob() const { return public_blob_; }
  [[nodiscard]] std::string public_line() const {
    return "ssh-ed25519 " + detail::base64_encode(public_blob_) + " test-ca";
  }

  [[nodiscard]] Blob sign(const CertSpec& spec) const {
    Blob out;
    detail::put_string(out, spec.type);
    detail::put_string(out, "nonce-nonce-nonce");
    detail::put_string(out, spec.user_key);
    put_u64(out, spec.serial);
    detail::put_u32(out, spec.kind);
    detail::put_string(out, spec.key_id);
    Blob principals;
    for (const std::string& principal : spec.principals) {
      detail::put_string(principals, principal);
    }
    detail::put_string(out, spec.raw_principals.value_or(principals));
    put_u64(out, spec.valid_after);
    put_u64(out, spec.valid_before);
    detail::put_string(out, spec.raw_critical.value_or(options(spec.critical)));
    detail::put_string(out, spec.raw_extensions.value_or(options(spec.extensions)));
    detail::put_string(out, "");  // reserved
    detail::put_string(out, spec.ca_key_override.value_or(public_blob_));
    detail::put_string(out, signature(out));
    return out;
  }

  [[nodiscard]] Blob signature(detail::Bytes data) const {
    std::array<uint8_t, 64> raw{};
    size_t length = raw.size();
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    EVP_DigestSignInit(context, nullptr, nullptr, nullptr, key_.get());
    EVP_DigestSign(context, raw.data(), &length, data.data(), data.size());
    EVP_MD_CTX_free(context);
    Blob out;
    detail::put_string(out, "ssh-ed25519");
    detail::put_string(out, detail::Bytes(raw));
    return out;
  }

 private:
  static Blob options(const std::vector<std::pair<std::string, Blob>>& list) {
    Blob out;
    for (const auto& [name, data] : list) {
      detail::put_string(out, name);
      detail::put_string(out, data);
    }
    return out;
  }

  struct Free {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  };
  std::unique_ptr<EVP_PKEY, Free> key_;
  Blob public_blob_;
};

// A KRL: the header of PROTOCOL.krl section 1, then the sections added.
class KrlBuilder {
 public:
  explicit KrlBuilder(uint32_t format_version = 1) {
    const std::string_view magic{"SSHKRL\n\0", 8};
    out_.assign(magic.begin(), magic.end());
    detail::put_u32(out_, format_version);
    put_u64(out_, 1);  // krl_version
    put_u64(out_, 0);  // generated_date
    put_u64(out_, 0);  // flags
    detail::put_string(out_, "");
    detail::put_string(out_, "test");
  }

  KrlBuilder& section(uint8_t type, const Blob& data) {
    out_.push_back(type);
    detail::put_string(out_, data);
    return *this;
  }

  // A certificates section for ca_key (empty: every CA) holding the given subsections.
  KrlBuilder& certificates(const Blob& ca_key,
                           const std::vector<std::pair<uint8_t, Blob>>& subsections) {
    Blob data;
    detail::put_string(data, ca_key);
    detail::put_string(data, "");
    for (const auto& [type, body] : subsections) {
      data.push_back(type);
      detail::put_string(data, body);
    }
    return section(1, data);
  }

  [[nodiscard]] const Blob& bytes() const { return out_; }

 private:
  Blob out_;
};

}  // namespace gitgate::auth::testing
