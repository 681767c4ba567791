// [push]: optional; every key keeps its git::PushSettings default when absent. The bounds
// are there to catch typos (a max_pack_mb in bytes), not to second-guess an operator.
#include "server/detail/push_table.h"

#include <chrono>
#include <cstdint>
#include <string_view>
#include <utility>

#include "server/detail/table_reader.h"

namespace gitgate::server::detail {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;
// 1 TiB: a single push larger than that is a typo, not a repository.
constexpr int64_t kMaxMegabytes = int64_t{1} << 20;
// A day: a hook that needs longer belongs in a queue, not in a client's push.
constexpr int64_t kMaxHookSeconds = 86400;
// git's own pack format counts objects in 32 bits (gitformat-pack, "4-byte number of
// objects"), so no pack can hold more.
constexpr int64_t kMaxObjects = (int64_t{1} << 32) - 1;
constexpr int64_t kMaxCommands = 100'000'000;
constexpr int64_t kMaxPushOptions = 1'000'000;

class PushTableReader : public TableReader {
 public:
  // [push] names no paths: the base directory is never used.
  PushTableReader() : TableReader({}) {}

  void read(const toml::table* table, git::PushSettings& settings) {
    if (!check_keys(table, "push",
                    {"fsck", "hooks", "hook_timeout_seconds", "auto_maintenance", "max_pack_mb",
                     "max_objects", "max_object_mb", "max_commands", "max_push_options"})) {
      return;
    }
    for (auto [key, field] : {std::pair<std::string_view, bool*>{"fsck", &settings.fsck},
                              {"hooks", &settings.hooks},
                              {"auto_maintenance", &settings.auto_maintenance}}) {
      if (const auto* value = typed<bool>(*table, "push", key, "true or false")) {
        *field = value->get();
      }
    }
    if (auto seconds = integer(*table, "push", "hook_timeout_seconds", 1, kMaxHookSeconds)) {
      settings.hook_timeout = std::chrono::seconds(*seconds);
    }
    if (auto mb = integer(*table, "push", "max_pack_mb", 1, kMaxMegabytes)) {
      settings.max_pack_bytes = static_cast<uint64_t>(*mb * kMiB);
    }
    if (auto mb = integer(*table, "push", "max_object_mb", 1, kMaxMegabytes)) {
      settings.max_object_bytes = static_cast<uint64_t>(*mb * kMiB);
    }
    if (auto count = integer(*table, "push", "max_objects", 1, kMaxObjects)) {
      settings.max_objects = static_cast<uint64_t>(*count);
    }
    if (auto count = integer(*table, "push", "max_commands", 1, kMaxCommands)) {
      settings.max_commands = static_cast<size_t>(*count);
    }
    // 0: push options are refused (a client that sends any is told so).
    if (auto count = integer(*table, "push", "max_push_options", 0, kMaxPushOptions)) {
      settings.max_push_options = static_cast<size_t>(*count);
    }
  }
};

}  // namespace

void read_push_table(const toml::table* table, git::PushSettings& settings,
                     std::vector<ConfigError>& errors) {
  PushTableReader reader;
  reader.read(table, settings);
  for (ConfigError& error : reader.errors()) {
    errors.push_back(std::move(error));
  }
}

}  // namespace gitgate::server::detail
