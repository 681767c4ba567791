#include "auth/users.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

#include "auth/detail/authorized_key.h"
#include "auth/detail/glob.h"
#include "auth/detail/user_name.h"
#include "conf/toml_source.h"

namespace gitgate::auth {
namespace {

constexpr std::array<std::string_view, 5> kUserKeys{"name", "id", "keys", "read", "write"};

using conf::line_of;
using conf::type_name;
using detail::name_problem;

// A key as found in the file, remembered to detect a key listed twice.
struct SeenKey {
  size_t user;
  std::string user_name;
  int line;
  std::vector<uint8_t> blob;
};

// users.toml: top level holds only [[user]] tables; each has name, id, keys, and
// optionally read and write. Every problem is collected with its line.
class Parser {
 public:
  // Parses every [[user]]; errors() is empty when the whole file is valid.
  void run(const toml::table& root) {
    for (auto&& [key, node] : root) {
      if (key.str() != "user") {
        error(line_of(key),
              fmt::format("unknown key '{}': the file holds [[user]] tables", key.str()));
        continue;
      }
      const toml::array* users = node.as_array();
      if (users == nullptr || !users->is_array_of_tables()) {
        error(line_of(node), "'user' must be an array of tables, written [[user]]");
        continue;
      }
      for (const toml::node& user : *users) {
        parse_user(*user.as_table());
      }
    }
    // toml++ visits keys in name order; report in file order.
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const FileError& a, const FileError& b) { return a.line < b.line; });
  }

  std::vector<FileError>& errors() { return errors_; }
  std::vector<User>& users() { return users_; }
  std::vector<SeenKey>& keys() { return keys_; }

 private:
  void error(int line, std::string message) {
    errors_.push_back(FileError{line, std::move(message)});
  }

  void parse_user(const toml::table& table) {
    for (auto&& [key, node] : table) {
      if (std::find(kUserKeys.begin(), kUserKeys.end(), key.str()) == kUserKeys.end()) {
        error(line_of(key),
              fmt::format("unknown key '{}' in [[user]] (known: name, id, keys, read, write)",
                          key.str()));
      }
    }
    User user;
    const size_t index = users_.size();
    // In this order, so a key's owner already has a name when keys are checked.
    if (const toml::node* name = required(table, "name")) {
      parse_name(*name, user);
    }
    if (const toml::node* id = required(table, "id")) {
      parse_id(*id, user);
    }
    if (const toml::node* keys = required(table, "keys")) {
      parse_keys(*keys, index, user);
    }
    if (const toml::node* read = table.get("read")) {
      parse_globs(*read, "read", user.read);
    }
    if (const toml::node* write = table.get("write")) {
      parse_globs(*write, "write", user.write);
    }
    users_.push_back(std::move(user));
  }

  const toml::node* required(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      error(line_of(table), fmt::format("[[user]] lacks '{}'", key));
    }
    return node;
  }

  void parse_name(const toml::node& node, User& user) {
    const auto* value = node.as_string();
    if (value == nullptr) {
      error(line_of(node), fmt::format("'name' must be a string, not {}", type_name(node)));
      return;
    }
    const std::string& name = value->get();
    if (std::string problem = name_problem(name); !problem.empty()) {
      error(line_of(node), std::move(problem));
      return;
    }
    if (auto [it, inserted] = names_.emplace(name, line_of(node)); !inserted) {
      error(line_of(node),
            fmt::format("user name '{}' is already used on line {}", name, it->second));
    }
    user.identity.name = name;
  }

  void parse_id(const toml::node& node, User& user) {
    const auto* value = node.as_integer();
    if (value == nullptr) {
      error(line_of(node), fmt::format("'id' must be an integer, not {}", type_name(node)));
      return;
    }
    const int64_t id = value->get();
    if (id < 0) {
      error(line_of(node), fmt::format("'id' must not be negative (got {})", id));
      return;
    }
    if (auto [it, inserted] = ids_.emplace(id, line_of(node)); !inserted) {
      error(line_of(node), fmt::format("user id {} is already used on line {}", id, it->second));
    }
    user.identity.id = id;
  }

  // Each string element, or an error naming the array; nullopt for a non-array.
  const toml::array* string_array(const toml::node& node, std::string_view what) {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
      error(line_of(node),
            fmt::format("'{}' must be an array of strings, not {}", what, type_name(node)));
      return nullptr;
    }
    bool ok = true;
    for (const toml::node& element : *array) {
      if (!element.is_string()) {
        error(line_of(element),
              fmt::format("'{}' holds {}; it must hold only strings", what, type_name(element)));
        ok = false;
      }
    }
    return ok ? array : nullptr;
  }

  void parse_keys(const toml::node& node, size_t index, User& user) {
    const toml::array* array = string_array(node, "keys");
    if (array == nullptr) {
      return;
    }
    for (const toml::node& element : *array) {
      const std::string& line_text = element.as_string()->get();
      const int line = line_of(element);
      auto parsed = detail::parse_authorized_key(line_text);
      if (auto* problem = std::get_if<detail::KeyError>(&parsed)) {
        error(line, std::move(problem->message));
        continue;
      }
      auto& key = std::get<detail::AuthorizedKey>(parsed);
      if (const SeenKey* seen = remember(SeenKey{index, user.identity.name, line, key.blob})) {
        error(line, seen->user == index
                        ? fmt::format("this key is already listed on line {}", seen->line)
                        : fmt::format("this key already belongs to user '{}' (line {})",
                                      seen->user_name, seen->line));
        continue;
      }
      user.keys.push_back(line_text);
    }
  }

  // Remembers the key, or returns the earlier listing of the same key.
  const SeenKey* remember(SeenKey key) {
    auto [it, inserted] = key_index_.emplace(detail::sha256_raw(key.blob), keys_.size());
    if (!inserted && keys_[it->second].blob == key.blob) {
      return &keys_[it->second];
    }
    // A SHA-256 collision between two different keys is not a case to handle gracefully.
    keys_.push_back(std::move(key));
    return nullptr;
  }

  void parse_globs(const toml::node& node, std::string_view what, std::vector<std::string>& out) {
    const toml::array* array = string_array(node, what);
    if (array == nullptr) {
      return;
    }
    for (const toml::node& element : *array) {
      const std::string& glob = element.as_string()->get();
      if (std::string problem = detail::glob_problem(glob); !problem.empty()) {
        error(line_of(element), std::move(problem));
        continue;
      }
      out.push_back(glob);
    }
  }

  std::vector<FileError> errors_;
  std::vector<User> users_;
  std::vector<SeenKey> keys_;
  std::unordered_map<std::string, size_t> key_index_;  // sha256_raw(blob) -> index into keys_
  std::map<std::string, int, std::less<>> names_;
  std::map<int64_t, int> ids_;
};

}  // namespace

std::variant<UserDb, std::vector<FileError>> UserDb::parse(std::string_view toml_text) {
  auto document = conf::parse_document(toml_text);
  if (auto* syntax = std::get_if<conf::SyntaxError>(&document)) {
    return std::vector<FileError>{FileError{syntax->line, std::move(syntax->description)}};
  }
  const toml::table& root = std::get<toml::table>(document);
  Parser parser;
  parser.run(root);
  if (!parser.errors().empty()) {
    return std::move(parser.errors());
  }
  UserDb db;
  db.users_ = std::move(parser.users());
  for (auto& key : parser.keys()) {
    std::string digest = detail::sha256_raw(key.blob);
    db.by_fingerprint_.emplace(std::move(digest), std::make_pair(key.user, std::move(key.blob)));
  }
  return db;
}

std::variant<UserDb, std::vector<FileError>> UserDb::load(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    // It would open and read as empty: a valid file with no users.
    return std::vector<FileError>{FileError{0, "is a directory, not a users file"}};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::vector<FileError>{FileError{
        0,
        fmt::format("cannot open: {}", std::error_code(errno, std::generic_category()).message())}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return std::vector<FileError>{FileError{0, "cannot read the file"}};
  }
  return parse(text.str());
}

const User* UserDb::find_by_key(std::span<const uint8_t> key_blob) const {
  auto it = by_fingerprint_.find(detail::sha256_raw(key_blob));
  if (it == by_fingerprint_.end()) {
    return nullptr;
  }
  const auto& [index, blob] = it->second;
  // The digest picked the entry; the bytes themselves decide.
  if (blob.size() != key_blob.size() ||
      CRYPTO_memcmp(blob.data(), key_blob.data(), blob.size()) != 0) {
    return nullptr;
  }
  return &users_[index];
}

// Linear: a login by certificate looks up one name, and a users file holds hundreds or a
// few thousand users, not millions.
const User* UserDb::find_by_name(std::string_view name) const {
  const auto it = std::find_if(users_.begin(), users_.end(),
                               [&](const User& user) { return user.identity.name == name; });
  return it == users_.end() ? nullptr : &*it;
}

bool UserDb::can_read(const User& user, std::string_view repo_relative) {
  const auto matches = [&](const std::string& glob) {
    return detail::repo_matches(glob, repo_relative);
  };
  // Write implies read: a push starts by reading the refs.
  return std::any_of(user.read.begin(), user.read.end(), matches) ||
         std::any_of(user.write.begin(), user.write.end(), matches);
}

bool UserDb::can_write(const User& user, std::string_view repo_relative) {
  return std::any_of(user.write.begin(), user.write.end(), [&](const std::string& glob) {
    return detail::repo_matches(glob, repo_relative);
  });
}

}  // namespace gitgate::auth
