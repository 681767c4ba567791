// Repository maintenance after a push, so that pushes do not pile up packs: git's
// receive-pack runs `git maintenance run --auto` when receive.autoGc is on; so do we (when
// [push] auto_maintenance and the repository's receive.autoGc are on),
// with the native git (its gc, repack and the thresholds of gc.auto / gc.autoPackLimit),
// in the background: niced, detached from the request (the client does not wait for it),
// at most one at a time per repository, reaped by a thread of its own.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace gitgate::git::detail {

// Starts `git -C <repository> maintenance run --auto --quiet` (nice 10, stdin/stdout/
// stderr on /dev/null, no descriptor of ours, GIT_* variables of the server removed).
// false when one already runs for repository (the next push will try again), or when git
// could not be started.
bool start_auto_maintenance(const std::filesystem::path& repository);

// For tests and shutdown: waits until none started here is still running; false at the
// timeout.
bool wait_for_maintenance(std::chrono::milliseconds timeout);

// The program that is run, "git" found on PATH unless replaced (tests replace it).
void set_maintenance_program(const std::string& program);

}  // namespace gitgate::git::detail
