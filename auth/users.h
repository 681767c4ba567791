// The users file (users.toml): who may log in with which public key, and which
// repositories each may read and write.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace gitgate::auth {

// What authentication yields; travels with the session, nothing re-derives it.
struct Identity {
  std::string name;
  int64_t id = 0;
};

struct User {
  Identity identity;
  std::vector<std::string> keys;  // authorized_keys lines as written
  std::vector<std::string> read;  // globs over "demo/repo.git"
  std::vector<std::string> write;
};

struct FileError {
  int line = 0;  // 1-based; 0 when not tied to a line
  std::string message;
};

class UserDb {
 public:
  static std::variant<UserDb, std::vector<FileError>> parse(std::string_view toml_text);
  static std::variant<UserDb, std::vector<FileError>> load(const std::filesystem::path& path);

  // Looks the key up by its SHA-256 fingerprint; blob = the SSH wire-format public key.
  [[nodiscard]] const User* find_by_key(std::span<const uint8_t> key_blob) const;
  // The user of that name (a certificate's principal names one), or nullptr.
  [[nodiscard]] const User* find_by_name(std::string_view name) const;
  // Globs: '*' matches across '/' ("*" = everything, "demo/*" = all under demo/),
  // '?' one character; a path matches with or without its ".git" suffix
  // (auth/detail/glob.h). Write permission implies read, as on Bitbucket.
  [[nodiscard]] static bool can_read(const User& user, std::string_view repo_relative);
  [[nodiscard]] static bool can_write(const User& user, std::string_view repo_relative);
  [[nodiscard]] size_t size() const { return users_.size(); }
  [[nodiscard]] const std::vector<User>& users() const { return users_; }

 private:
  std::vector<User> users_;
  // Fingerprint (raw SHA-256 of the blob) -> (index into users_, the blob itself).
  std::unordered_map<std::string, std::pair<size_t, std::vector<uint8_t>>> by_fingerprint_;
};

}  // namespace gitgate::auth
