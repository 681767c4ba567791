// The live set of users: replaced as a whole on SIGHUP while sessions keep the
// snapshot they authenticated with.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/users.h"

namespace gitgate::server {

class UserStore {
 public:
  explicit UserStore(std::filesystem::path path);

  // Loads the file; on success replaces the live set and returns no errors. On failure the
  // live set stays as it was and the errors say why ("users.toml:3: ...").
  [[nodiscard]] std::vector<std::string> reload();

  // The current set; never null after a successful reload().
  [[nodiscard]] std::shared_ptr<const auth::UserDb> get() const;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  mutable std::mutex mu_;
  std::shared_ptr<const auth::UserDb> users_;
};

}  // namespace gitgate::server
