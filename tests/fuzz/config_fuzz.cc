// parse_config over arbitrary text: never crashes, and what it accepts keeps the
// promises the server relies on (addresses, absolute paths, ranges, node id).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/admission.h"
#include "server/config.h"

namespace {

constexpr uint64_t kDescriptors = 20000;

bool valid(const gitgate::server::Config& config) {
  if (config.listen.empty() || config.host_keys.empty()) {
    return false;
  }
  const bool ports_ok = std::all_of(config.listen.begin(), config.listen.end(),
                                    [](const auto& a) { return a.port != 0 && !a.host.empty(); });
  const bool keys_ok = std::all_of(config.host_keys.begin(), config.host_keys.end(),
                                   [](const auto& p) { return p.is_absolute(); });
  const bool id_ok = !config.node_id.empty() &&
                     std::all_of(config.node_id.begin(), config.node_id.end(), [](char c) {
                       return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                     });
  // What the server runs with: the limits resolved against a descriptor limit.
  const auto limits = gitgate::server::resolve_limits(config.limits, kDescriptors);
  const bool limits_ok =
      limits.max_connections >= 1 && limits.max_unauthenticated >= 1 &&
      limits.max_unauthenticated <= limits.max_connections && limits.max_per_source >= 1 &&
      limits.max_per_source <= limits.max_connections &&
      limits.max_unauthenticated_per_source >= 1 &&
      limits.max_unauthenticated_per_source <= limits.max_unauthenticated &&
      limits.early_drop_start >= 1 && limits.early_drop_start <= limits.max_unauthenticated &&
      limits.early_drop_percent >= 0 && limits.early_drop_percent <= 100 &&
      limits.login_grace_seconds >= 1 && limits.max_auth_tries >= 1 &&
      limits.keepalive_seconds >= 0 && config.drain_timeout_seconds >= 0 &&
      limits.request.max_request_bytes >= 1 && limits.request.max_wants >= 1 &&
      limits.request.max_haves >= 1 && limits.request.max_shallow >= 1 &&
      limits.request.max_deepen_not >= 1 && limits.request.max_ref_prefixes >= 1 &&
      limits.request.max_ref_prefixes <= 65535 && limits.request.negotiation_budget.count() >= 1;
  const auto timeout = config.proxy.header_timeout.count();
  return ports_ok && keys_ok && id_ok && limits_ok && timeout >= 1 && timeout <= 60000 &&
         config.drain_accept_seconds >= 0 && config.repositories.is_absolute() &&
         config.users.is_absolute() && (config.access_log == "-" || !config.access_log.empty()) &&
         (config.proxy.mode != gitgate::proxyproto::Mode::kRequired ||
          !config.proxy.trusted.empty());
}

// [ssh]: every list non-empty, each entry one name (ssh_bind joins them with commas) and
// listed once.
bool ssh_ok(const gitgate::server::SshAlgorithms& ssh) {
  for (const auto* list :
       {&ssh.kex, &ssh.ciphers, &ssh.macs, &ssh.host_key_algorithms, &ssh.pubkey_algorithms}) {
    if (list->empty()) {
      return false;
    }
    for (auto it = list->begin(); it != list->end(); ++it) {
      if (it->empty() || it->find_first_of(", ") != std::string::npos ||
          std::find(list->begin(), it, *it) != it) {
        return false;
      }
    }
  }
  return true;
}

// [push]: every bound at least 1 (0 would refuse every push), push options excepted (0
// refuses those alone).
bool push_ok(const gitgate::git::PushSettings& push) {
  return push.hook_timeout.count() >= 1 && push.max_pack_bytes >= 1 && push.max_objects >= 1 &&
         push.max_object_bytes >= 1 && push.max_commands >= 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = gitgate::server::parse_config(text, "/etc/gitgate");
  if (const auto* errors = std::get_if<std::vector<gitgate::server::ConfigError>>(&parsed)) {
    if (errors->empty()) {
      __builtin_trap();
    }
    for (const auto& error : *errors) {
      if (error.message.empty() || error.line < 0) {
        __builtin_trap();
      }
    }
    return 0;
  }
  const auto& config = std::get<gitgate::server::Config>(parsed);
  if (!valid(config) || !ssh_ok(config.ssh) || !push_ok(config.push)) {
    __builtin_trap();
  }
  return 0;
}
