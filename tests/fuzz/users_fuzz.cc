// UserDb::parse over arbitrary text: never crashes, and a file it accepts is
// self-consistent: every listed key finds its own user, and every error has a message.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/detail/authorized_key.h"
#include "auth/users.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using gitgate::auth::FileError;
  using gitgate::auth::User;
  using gitgate::auth::UserDb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = UserDb::parse(text);
  if (auto* errors = std::get_if<std::vector<FileError>>(&parsed)) {
    if (errors->empty()) {
      __builtin_trap();
    }
    for (const FileError& error : *errors) {
      if (error.message.empty() || error.line < 0) {
        __builtin_trap();
      }
    }
    return 0;
  }
  const UserDb& db = std::get<UserDb>(parsed);
  for (const User& user : db.users()) {
    for (const std::string& line : user.keys) {
      auto key = gitgate::auth::detail::parse_authorized_key(line);
      const auto* value = std::get_if<gitgate::auth::detail::AuthorizedKey>(&key);
      if (value == nullptr || db.find_by_key(value->blob) != &user) {
        __builtin_trap();
      }
    }
    for (const std::string& glob : user.write) {
      (void)glob;
      if (UserDb::can_write(user, "demo/repo.git") && !UserDb::can_read(user, "demo/repo.git")) {
        __builtin_trap();  // write implies read
      }
    }
  }
  return 0;
}
