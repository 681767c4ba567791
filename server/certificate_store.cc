#include "server/certificate_store.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "logging/diagnostics.h"

namespace gitgate::server {

CertificateStore::CertificateStore(CertificateConfig config) : config_(std::move(config)) {}

std::vector<std::string> CertificateStore::reload() {
  if (!configured()) {
    return {};
  }
  auto loaded = auth::CertificateTrust::load(
      config_.trusted_user_ca_keys,
      config_.revoked_keys.empty() ? std::nullopt : std::optional(config_.revoked_keys));
  if (auto* errors = std::get_if<std::vector<auth::TrustFileError>>(&loaded)) {
    std::vector<std::string> messages;
    for (const auth::TrustFileError& error : *errors) {
      messages.push_back(error.line > 0 ? error.file.string() + ":" + std::to_string(error.line) +
                                              ": " + error.message
                                        : error.file.string() + ": " + error.message);
    }
    return messages;
  }
  auto trust = std::make_shared<const auth::CertificateTrust>(
      std::move(std::get<auth::CertificateTrust>(loaded)));
  const std::lock_guard lock(mu_);
  trust_ = std::move(trust);
  return {};
}

std::shared_ptr<const auth::CertificateTrust> CertificateStore::get() const {
  const std::lock_guard lock(mu_);
  return trust_;
}

bool reload_certificates(CertificateStore& store, std::string_view when) {
  if (!store.configured()) {
    return true;
  }
  const std::vector<std::string> errors = store.reload();
  if (!errors.empty()) {
    const bool kept = store.get() != nullptr;
    spdlog::log(kept ? spdlog::level::warn : spdlog::level::err,
                "{}: certificate files are invalid{}", when,
                kept ? "; keeping the previous CA keys and revoked keys" : "");
    for (const std::string& error : errors) {
      spdlog::log(kept ? spdlog::level::warn : spdlog::level::err, "  {}",
                  logging::printable(error));
    }
    return false;
  }
  const auto trust = store.get();
  const auth::RevokedKeys* revoked = trust->revoked_keys();
  spdlog::info("{}: {} trusted user CA keys; revoked keys: {}", when, trust->ca_count(),
               revoked == nullptr  ? std::string("none")
               : revoked->is_krl() ? "a KRL"
                                   : std::to_string(revoked->key_count()) + " listed keys");
  return true;
}

}  // namespace gitgate::server
