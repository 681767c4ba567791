#include "server/detail/http_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>

#include "conf/toml_source.h"
#include "server/detail/listen_address.h"
#include "server/detail/table_reader.h"

namespace gitgate::server::detail {
namespace {

class HttpReader : public TableReader {
 public:
  HttpReader() : TableReader({}) {}  // [http] names no path

  void read(const toml::table* table, HttpConfig& out) {
    if (!check_keys(table, "http", {"listen"})) {
      return;
    }
    const toml::array* array = strings(*table, "http", "listen");
    if (array == nullptr) {
      return;
    }
    for (const toml::node& element : *array) {
      const std::string& text = element.as_string()->get();
      auto parsed = parse_listen(text);
      if (auto* why = std::get_if<std::string>(&parsed)) {
        error(conf::line_of(element), "http.listen: " + *why);
        continue;
      }
      const auto& address = std::get<ListenAddress>(parsed);
      const bool seen = std::any_of(out.listen.begin(), out.listen.end(), [&](const auto& other) {
        return other.host == address.host && other.port == address.port && address.port != 0;
      });
      if (seen) {
        error(conf::line_of(element), fmt::format("http.listen names '{}' twice", text));
        continue;
      }
      out.listen.push_back(address);
    }
  }
};

}  // namespace

void parse_http(const toml::table* table, HttpConfig& out, std::vector<ConfigError>& errors) {
  HttpReader reader;
  reader.read(table, out);
  for (ConfigError& error : reader.errors()) {
    errors.push_back(std::move(error));
  }
}

}  // namespace gitgate::server::detail
