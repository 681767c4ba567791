#include "server/detail/auth_cert_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "conf/toml_source.h"
#include "server/detail/table_reader.h"

namespace gitgate::server::detail {
namespace {

class CertificateReader : public TableReader {
 public:
  explicit CertificateReader(std::filesystem::path base_dir) : TableReader(std::move(base_dir)) {}

  void read(const toml::table& table, ParsedConfig& parsed) {
    CertificateConfig& out = parsed.config.certificates;
    if (const toml::array* files = strings(table, "auth", "trusted_user_ca_keys")) {
      parsed.trusted_user_ca_keys_line = conf::line_of(*files);
      for (const toml::node& element : *files) {
        auto file = path(element, "auth", "trusted_user_ca_keys");
        if (!file) {
          continue;
        }
        if (std::find(out.trusted_user_ca_keys.begin(), out.trusted_user_ca_keys.end(), *file) !=
            out.trusted_user_ca_keys.end()) {
          error(conf::line_of(element),
                fmt::format("auth.trusted_user_ca_keys names '{}' twice", file->string()));
          continue;
        }
        out.trusted_user_ca_keys.push_back(std::move(*file));
      }
    }
    if (const auto* revoked = string(table, "auth", "revoked_keys")) {
      parsed.revoked_keys_line = conf::line_of(*revoked);
      if (auto file = path(*revoked, "auth", "revoked_keys")) {
        out.revoked_keys = std::move(*file);
      }
      if (table.get("trusted_user_ca_keys") == nullptr) {
        error(conf::line_of(*revoked),
              "auth.revoked_keys revokes certificates, so it needs auth.trusted_user_ca_keys");
      }
    }
  }
};

}  // namespace

void parse_auth_certificates(const toml::table& auth, const std::filesystem::path& base_dir,
                             ParsedConfig& parsed, std::vector<ConfigError>& errors) {
  CertificateReader reader(base_dir);
  reader.read(auth, parsed);
  for (ConfigError& error : reader.errors()) {
    errors.push_back(std::move(error));
  }
}

}  // namespace gitgate::server::detail
