// Reading one TOML table of gitgate.toml field by field: each value of the type its key
// asks for, or an error with its line; every error is collected, none stops the reading.
// The table-by-table meaning is config_parser.cc's.
#pragma once

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conf/toml_source.h"
#include "server/config.h"

namespace gitgate::server::detail {

class TableReader {
 public:
  // Relative paths are resolved against base_dir, the config file's directory.
  explicit TableReader(std::filesystem::path base_dir) : base_dir_(std::move(base_dir)) {}

  std::vector<ConfigError>& errors() { return errors_; }
  [[nodiscard]] const std::filesystem::path& base_dir() const { return base_dir_; }

 protected:
  static bool is_known(std::string_view key, std::initializer_list<std::string_view> known);

  void error(int line, std::string message) {
    errors_.push_back(ConfigError{line, std::move(message)});
  }

  // Reports keys of `table` outside `known`; true when the table is present.
  bool check_keys(const toml::table* table, std::string_view name,
                  std::initializer_list<std::string_view> known);

  // The value at key if it has type T; absent or reported otherwise (nullptr).
  template <typename T>
  auto typed(const toml::table& table, std::string_view section, std::string_view key,
             std::string_view expected)
      -> decltype(std::declval<const toml::node&>().template as<T>()) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      return nullptr;
    }
    const auto* value = node->as<T>();
    if (value == nullptr) {
      error(conf::line_of(*node), fmt::format("{}.{} must be {}, not {}", section, key, expected,
                                              conf::type_name(*node)));
    }
    return value;
  }

  const toml::value<std::string>* string(const toml::table& table, std::string_view section,
                                         std::string_view key);
  // An integer within [min, max], or nullopt (absent, or reported).
  std::optional<int64_t> integer(const toml::table& table, std::string_view section,
                                 std::string_view key, int64_t min, int64_t max);
  // Every element a string, or nullptr (absent, or reported).
  const toml::array* strings(const toml::table& table, std::string_view section,
                             std::string_view key);
  // A non-empty path string resolved against the config's directory, or nullopt.
  std::optional<std::filesystem::path> path(const toml::node& node, std::string_view section,
                                            std::string_view key);
  // text, relative to the config's directory unless absolute; lexically normal.
  [[nodiscard]] std::filesystem::path resolved(std::string_view text) const;

 private:
  std::filesystem::path base_dir_;
  std::vector<ConfigError> errors_;
};

}  // namespace gitgate::server::detail
