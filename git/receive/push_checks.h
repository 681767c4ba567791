// Everything a push must pass before its hooks run, in git's order: the objects
// (receive.fsckObjects, as index-pack --strict), then connectivity of each new tip
// (check_connected: "missing necessary objects"), then the per-ref rules (ref_policy.h),
// then, for an atomic push, one refusal refuses all ("atomic push failure").
#pragma once

#include <git2.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "git/receive/push_command.h"
#include "git/receive/receive_config.h"

namespace gitgate::git::detail {

struct PushCheckInput {
  std::filesystem::path repository;
  git_repository* repo = nullptr;    // the repository as before the push
  std::filesystem::path pack_index;  // the pushed pack's .idx; empty: no objects came
  std::filesystem::path quarantine;  // its object directory (for the rules' walks)
  bool fsck = true;
  std::span<const git_oid> client_shallow;  // the update request's shallow lines
  const ReceiveConfig* config = nullptr;
  bool atomic = false;
  // Progress lines for band 2 ("Checking connectivity: ..."); null for none.
  std::function<void(std::string_view)> progress;
};

struct PushCheckOutcome {
  // A fault of the pack as a whole: every command then fails with "unpacker error" and
  // this is the report's unpack status (git's index-pack --strict dying on an object).
  std::optional<std::string> unpack_error;
  std::vector<std::string> messages;  // "error: ..." lines for band 2
  std::string server_error;           // set when the server could not check (logged)
};

PushCheckOutcome check_push(const PushCheckInput& input, std::vector<PushCommand>& commands);

// Refuses every ready command with reason (all-or-nothing pushes after one refusal).
void refuse_ready(std::vector<PushCommand>& commands, const std::string& reason);

}  // namespace gitgate::git::detail
