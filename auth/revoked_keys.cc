#include "auth/revoked_keys.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "auth/detail/key_lines.h"
#include "auth/detail/krl.h"
#include "auth/detail/ssh_key.h"
#include "auth/detail/ssh_wire.h"

namespace gitgate::auth {
namespace {

// Key types OpenSSH's sshkey_read() knows and a gitgate certificate never carries or is
// signed by.
constexpr std::array<std::string_view, 5> kNeverAccepted{
    "ssh-dss", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com"};

std::vector<uint8_t> digest(const EVP_MD* md, std::span<const uint8_t> blob) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  if (EVP_Digest(blob.data(), blob.size(), out.data(), &length, md, nullptr) != 1) {
    return {};  // only on allocation failure; an empty digest matches nothing
  }
  return {out.begin(), out.begin() + length};
}

// A plain key (canonical blob) listed in the KRL, by itself or its fingerprints.
bool krl_lists_key(const detail::Krl& krl, const std::vector<uint8_t>& key) {
  return krl.keys.contains(key) || krl.sha256.contains(digest(EVP_sha256(), key)) ||
         krl.sha1.contains(digest(EVP_sha1(), key));
}

std::string krl_revokes(const detail::Krl& krl, const Certificate& certificate) {
  if (krl_lists_key(krl, certificate.key)) {
    return "its key is revoked";
  }
  if (krl_lists_key(krl, certificate.ca_key)) {
    return "its CA key is revoked";
  }
  for (const detail::KrlCertificates& section : krl.certificates) {
    if (!section.ca_key.empty() && section.ca_key != certificate.ca_key) {
      continue;
    }
    const char* scope = section.ca_key.empty() ? "for every CA" : "for its CA";
    if (section.key_ids.contains(certificate.key_id)) {
      return std::string("its key id is revoked ") + scope;
    }
    const uint64_t serial = certificate.serial;
    if (serial != 0 &&
        std::any_of(section.serials.begin(), section.serials.end(), [serial](const auto& range) {
          return range.first <= serial && serial <= range.second;
        })) {
      return "its serial " + std::to_string(serial) + " is revoked " + scope;
    }
  }
  return {};
}

// A text line's key as compared: a certificate stands for its certified key.
std::variant<std::vector<uint8_t>, std::string> listed_key(const detail::KeyLine& line) {
  if (is_certificate_type(line.type)) {
    auto certificate = parse_certificate(line.blob);
    if (auto* error = std::get_if<CertificateError>(&certificate)) {
      return error->message;
    }
    return std::move(std::get<Certificate>(certificate).key);
  }
  auto key = detail::parse_public_key(line.blob);
  if (auto* why = std::get_if<std::string>(&key)) {
    return *why;
  }
  return std::move(std::get<detail::PublicKey>(key).blob);
}

}  // namespace

std::variant<RevokedKeys, std::vector<FileError>> RevokedKeys::parse(
    std::span<const uint8_t> file) {
  RevokedKeys revoked;
  if (detail::has_krl_magic(file)) {
    auto krl = detail::parse_krl(file);
    if (auto* why = std::get_if<std::string>(&krl)) {
      return std::vector<FileError>{FileError{0, "KRL: " + *why}};
    }
    revoked.krl_ = std::make_shared<const detail::Krl>(std::move(std::get<detail::Krl>(krl)));
    return revoked;
  }
  auto lines = detail::read_key_lines(detail::as_text(file));
  if (auto* errors = std::get_if<std::vector<FileError>>(&lines)) {
    return std::move(*errors);
  }
  std::vector<FileError> errors;
  for (const detail::KeyLine& line : std::get<std::vector<detail::KeyLine>>(lines)) {
    if (std::find(kNeverAccepted.begin(), kNeverAccepted.end(), line.type) !=
        kNeverAccepted.end()) {
      continue;
    }
    auto key = listed_key(line);
    if (auto* why = std::get_if<std::string>(&key)) {
      errors.push_back(FileError{line.line, *why});
      continue;
    }
    revoked.keys_.push_back(std::move(std::get<std::vector<uint8_t>>(key)));
  }
  if (!errors.empty()) {
    return errors;
  }
  std::sort(revoked.keys_.begin(), revoked.keys_.end());
  return revoked;
}

std::string RevokedKeys::revoked(const Certificate& certificate) const {
  if (krl_ != nullptr) {
    return krl_revokes(*krl_, certificate);
  }
  if (std::binary_search(keys_.begin(), keys_.end(), certificate.key)) {
    return "its key is revoked";
  }
  if (std::binary_search(keys_.begin(), keys_.end(), certificate.ca_key)) {
    return "its CA key is revoked";
  }
  return {};
}

size_t RevokedKeys::key_count() const {
  return krl_ != nullptr ? krl_->keys.size() + krl_->sha1.size() + krl_->sha256.size()
                         : keys_.size();
}

}  // namespace gitgate::auth
