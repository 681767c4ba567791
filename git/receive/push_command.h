// One ref update command of a push and what became of it, carried from the update
// request through the checks, hooks and ref updates to report-status.
#pragma once

#include <string>

#include "git/receive/commands.h"

namespace gitgate::git::detail {

struct PushCommand {
  RefCommand command;
  // Empty while the command may still go ahead; else git's reason for "ng", e.g.
  // "non-fast-forward". The first reason set stays.
  std::string error;

  [[nodiscard]] bool ready() const { return error.empty(); }
  void refuse(std::string reason) {
    if (error.empty()) {
      error = std::move(reason);
    }
  }
};

}  // namespace gitgate::git::detail
