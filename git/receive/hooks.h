// Runs one server-side hook of a repository (githooks(5): pre-receive, update,
// post-receive, post-update) as git's receive-pack does: the program at
// <repository>/hooks/<name> when it exists and is executable, with arguments, an
// environment, and standard input; its stdout and stderr together are handed back as
// they arrive (receive-pack sends them to the client on band 2).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace gitgate::git::detail {

struct HookRun {
  std::filesystem::path repository;  // the hook runs here, with GIT_DIR set to it
  std::string name;                  // "pre-receive"
  std::vector<std::string> args;     // after the program name
  std::string input;                 // written to its stdin, then stdin is closed
  // Added to a clean environment (PATH, HOME, LANG and TZ of the server, GIT_DIR); a
  // later pair replaces an earlier one of the same name.
  std::vector<std::pair<std::string, std::string>> environment;
  std::chrono::milliseconds timeout{600'000};
};

struct HookOutcome {
  bool ran = false;        // false: no such hook (or not executable), which counts as success
  int exit_status = 0;     // the exit code, or 128 + signal
  bool timed_out = false;  // killed (with its whole process group) at the timeout
  [[nodiscard]] bool ok() const { return !ran || (exit_status == 0 && !timed_out); }
};

struct HookIo {
  // The hook's stdout and stderr bytes, in the order they arrived.
  std::function<void(std::span<const uint8_t>)> output;
  // Called about once a second while the hook runs silently (the caller sends keepalives).
  std::function<void()> idle;
};

// Never throws for a hook's failure; a hook that cannot be started is reported as ran
// with exit_status 128. No file descriptor of the server leaks into the hook.
HookOutcome run_hook(const HookRun& run, const HookIo& io);

}  // namespace gitgate::git::detail
