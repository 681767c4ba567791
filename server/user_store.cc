#include "server/user_store.h"

#include <utility>

namespace gitgate::server {

UserStore::UserStore(std::filesystem::path path) : path_(std::move(path)) {}

std::vector<std::string> UserStore::reload() {
  auto loaded = auth::UserDb::load(path_);
  if (auto* errors = std::get_if<std::vector<auth::FileError>>(&loaded)) {
    std::vector<std::string> messages;
    for (const auth::FileError& error : *errors) {
      messages.push_back(error.line > 0 ? path_.string() + ":" + std::to_string(error.line) + ": " +
                                              error.message
                                        : path_.string() + ": " + error.message);
    }
    if (messages.empty()) {
      messages.push_back(path_.string() + ": cannot be loaded");
    }
    return messages;
  }
  auto users = std::make_shared<const auth::UserDb>(std::move(std::get<auth::UserDb>(loaded)));
  const std::lock_guard lock(mu_);
  users_ = std::move(users);
  return {};
}

std::shared_ptr<const auth::UserDb> UserStore::get() const {
  const std::lock_guard lock(mu_);
  return users_;
}

}  // namespace gitgate::server
