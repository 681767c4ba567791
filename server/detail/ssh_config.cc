#include "server/detail/ssh_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>

#include "conf/toml_source.h"
#include "server/detail/table_reader.h"
#include "server/ssh_algorithms.h"

namespace gitgate::server::detail {
namespace {

class SshReader : public TableReader {
 public:
  SshReader() : TableReader({}) {}  // [ssh] names no path

  // [ssh]: optional; a list given replaces its default (SshAlgorithms in server/config.h)
  // whole, and must be non-empty, without repeats, and known to libssh.
  void read(const toml::table* table, SshAlgorithms& ssh) {
    if (!check_keys(table, "ssh",
                    {"kex", "ciphers", "macs", "host_key_algorithms", "pubkey_algorithms"})) {
      return;
    }
    for (auto [list, field] :
         {std::pair<AlgorithmList, std::vector<std::string>*>{AlgorithmList::kKex, &ssh.kex},
          {AlgorithmList::kCiphers, &ssh.ciphers},
          {AlgorithmList::kMacs, &ssh.macs},
          {AlgorithmList::kHostKey, &ssh.host_key_algorithms},
          {AlgorithmList::kPubkey, &ssh.pubkey_algorithms}}) {
      const std::string_view key = key_of(list);
      const toml::array* array = strings(*table, "ssh", key);
      if (array == nullptr) {
        continue;
      }
      if (array->empty()) {
        error(conf::line_of(*array), fmt::format("ssh.{} must name at least one algorithm", key));
        continue;
      }
      std::vector<std::string> names;
      for (const toml::node& element : *array) {
        const std::string& name = element.as_string()->get();
        if (auto why = algorithm_problem(list, name)) {
          error(conf::line_of(element), fmt::format("ssh.{}: {}", key, *why));
        } else if (std::find(names.begin(), names.end(), name) != names.end()) {
          error(conf::line_of(element), fmt::format("ssh.{} names '{}' twice", key, name));
        } else {
          names.push_back(name);
        }
      }
      *field = std::move(names);
    }
  }
};

}  // namespace

void parse_ssh(const toml::table* table, SshAlgorithms& out, std::vector<ConfigError>& errors) {
  SshReader reader;
  reader.read(table, out);
  for (ConfigError& error : reader.errors()) {
    errors.push_back(std::move(error));
  }
}

}  // namespace gitgate::server::detail
