#include "git/receive/push_hooks.h"

#include <fmt/format.h>

#include "git/pack/oid.h"
#include "git/receive/hooks.h"

namespace gitgate::git::detail {

Environment push_option_environment(const std::vector<std::string>& options) {
  Environment env;
  for (size_t i = 0; i < options.size(); ++i) {
    env.emplace_back(fmt::format("GIT_PUSH_OPTION_{}", i), options[i]);
  }
  env.emplace_back("GIT_PUSH_OPTION_COUNT", std::to_string(options.size()));
  return env;
}

Environment quarantine_environment(const Quarantine& quarantine) {
  return {{"GIT_QUARANTINE_PATH", quarantine.directory().string()},
          {"GIT_OBJECT_DIRECTORY", quarantine.directory().string()},
          {"GIT_ALTERNATE_OBJECT_DIRECTORIES", quarantine.repository_objects().string()}};
}

std::string receive_hook_input(const std::vector<PushCommand>& commands, bool updated_only) {
  std::string input;
  for (const PushCommand& c : commands) {
    if (updated_only && !c.ready()) {
      continue;
    }
    input += to_hex(c.command.old_id) + ' ' + to_hex(c.command.new_id) + ' ' + c.command.ref + '\n';
  }
  return input;
}

bool run_push_hook(const PushHookRun& run, Output& out) {
  HookRun hook{run.repository, run.name, run.args, run.input, run.environment, run.timeout};
  HookIo io;
  io.output = [&out](std::span<const uint8_t> bytes) {
    out.message(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  };
  io.idle = [&out, interval = run.keepalive] { out.keepalive_if_idle(interval); };
  const HookOutcome outcome = run_hook(hook, io);
  if (outcome.timed_out) {
    out.message(fmt::format("error: hook {} timed out after {} seconds\n", run.name,
                            std::chrono::duration_cast<std::chrono::seconds>(run.timeout).count()));
  }
  return outcome.ok();
}

}  // namespace gitgate::git::detail
