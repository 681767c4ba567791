// The live certificate trust ([auth] trusted_user_ca_keys, revoked_keys): replaced as a
// whole on SIGHUP, so that a KRL updated on disk takes effect without a restart, while a
// login in progress keeps the snapshot it started with.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/cert_trust.h"
#include "server/config.h"

namespace gitgate::server {

class CertificateStore {
 public:
  explicit CertificateStore(CertificateConfig config);

  // Reads the files; on success replaces the live trust and returns no errors. On failure
  // the live trust stays as it was (none at start: the server does not start) and the
  // errors say why ("ca.pub:3: ..."). Nothing configured: no trust, no errors.
  [[nodiscard]] std::vector<std::string> reload();

  // Null when no CA is configured (or none loaded yet): no certificate is accepted.
  [[nodiscard]] std::shared_ptr<const auth::CertificateTrust> get() const;

  [[nodiscard]] bool configured() const { return !config_.trusted_user_ca_keys.empty(); }

 private:
  const CertificateConfig config_;
  mutable std::mutex mu_;
  std::shared_ptr<const auth::CertificateTrust> trust_;
};

// At start and on SIGHUP: reload() and log the outcome ("SIGHUP: reloaded 2 CA keys and
// revoked_keys ..." or each error). False when the files are invalid.
bool reload_certificates(CertificateStore& store, std::string_view when);

}  // namespace gitgate::server
