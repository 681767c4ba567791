// The hooks of a push as git's receive-pack runs them (githooks(5)): what each gets on
// stdin and in its environment, and its output to the client on band 2.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "git/protocol/upload_pack_io.h"
#include "git/receive/push_command.h"
#include "git/receive/quarantine.h"

namespace gitgate::git::detail {

using Environment = std::vector<std::pair<std::string, std::string>>;

// GIT_PUSH_OPTION_COUNT and GIT_PUSH_OPTION_<n>, as run_receive_hook sets them (the
// count alone, "0", when the client sent none).
Environment push_option_environment(const std::vector<std::string>& options);

// The pre-ref hooks see the pushed objects where git puts them (git-receive-pack(1)
// "QUARANTINE ENVIRONMENT"): GIT_QUARANTINE_PATH and GIT_OBJECT_DIRECTORY name the
// quarantine, GIT_ALTERNATE_OBJECT_DIRECTORIES the repository's objects.
Environment quarantine_environment(const Quarantine& quarantine);

// "<old-hex> SP <new-hex> SP <ref> LF" per command: all of them for pre-receive (as git
// feeds them), only the updated ones (updated == true) for post-receive.
std::string receive_hook_input(const std::vector<PushCommand>& commands, bool updated_only);

struct PushHookRun {
  std::filesystem::path repository;
  std::string name;
  std::vector<std::string> args;
  std::string input;
  Environment environment;
  std::chrono::milliseconds timeout{600'000};
  std::chrono::milliseconds keepalive{5000};
};

// Runs the hook (absent: success) with its output on band 2 (stderr without side-band)
// and keepalives while it is silent. false when it failed or timed out; a timeout is
// also told to the client.
bool run_push_hook(const PushHookRun& run, Output& out);

}  // namespace gitgate::git::detail
