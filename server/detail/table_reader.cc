#include "server/detail/table_reader.h"

#include <fmt/format.h>

#include <algorithm>

namespace gitgate::server::detail {

namespace fs = std::filesystem;

using conf::line_of;
using conf::type_name;

bool TableReader::is_known(std::string_view key, std::initializer_list<std::string_view> known) {
  return std::find(known.begin(), known.end(), key) != known.end();
}

bool TableReader::check_keys(const toml::table* table, std::string_view name,
                             std::initializer_list<std::string_view> known) {
  if (table == nullptr) {
    return false;
  }
  for (auto&& [key, node] : *table) {
    if (!is_known(key.str(), known)) {
      std::string list;
      for (std::string_view k : known) {
        list += list.empty() ? std::string(k) : ", " + std::string(k);
      }
      error(line_of(key),
            fmt::format("unknown key '{}' in [{}] (known: {})", key.str(), name, list));
    }
  }
  return true;
}

const toml::value<std::string>* TableReader::string(const toml::table& table,
                                                    std::string_view section,
                                                    std::string_view key) {
  return typed<std::string>(table, section, key, "a string");
}

std::optional<int64_t> TableReader::integer(const toml::table& table, std::string_view section,
                                            std::string_view key, int64_t min, int64_t max) {
  const auto* value = typed<int64_t>(table, section, key, "an integer");
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->get() < min || value->get() > max) {
    error(line_of(*value),
          fmt::format("{}.{} must be within {}-{} (got {})", section, key, min, max, value->get()));
    return std::nullopt;
  }
  return value->get();
}

const toml::array* TableReader::strings(const toml::table& table, std::string_view section,
                                        std::string_view key) {
  const auto* array = typed<toml::array>(table, section, key, "an array of strings");
  if (array == nullptr) {
    return nullptr;
  }
  bool ok = true;
  for (const toml::node& element : *array) {
    if (!element.is_string()) {
      error(line_of(element),
            fmt::format("{}.{} must hold only strings, not {}", section, key, type_name(element)));
      ok = false;
    }
  }
  return ok ? array : nullptr;
}

std::optional<fs::path> TableReader::path(const toml::node& node, std::string_view section,
                                          std::string_view key) {
  const std::string& text = node.as_string()->get();
  if (text.empty() || text.find('\0') != std::string::npos) {
    error(line_of(node), fmt::format("{}.{} must be a non-empty path", section, key));
    return std::nullopt;
  }
  return resolved(text);
}

fs::path TableReader::resolved(std::string_view text) const {
  const fs::path path(text);
  return path.is_absolute() ? path.lexically_normal() : (base_dir_ / path).lexically_normal();
}

}  // namespace gitgate::server::detail
