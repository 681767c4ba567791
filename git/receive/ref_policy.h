// The per-ref rules a push must pass before its hooks run (builtin/receive-pack.c
// update() and reject_updates_to_hidden()): ref name, hidden refs,
// receive.denyCurrentBranch, receive.denyDeletes, receive.denyDeleteCurrent,
// receive.denyNonFastForwards. git applies them after pre-receive, with the objects
// already migrated; here they come first, so a push they refuse entirely leaves nothing
// behind and runs no hook.
#pragma once

#include <git2.h>

#include <string>
#include <vector>

#include "git/receive/push_command.h"
#include "git/receive/receive_config.h"

namespace gitgate::git::detail {

struct PolicyContext {
  // Sees the pushed objects too (the quarantine as an alternate): the fast-forward test
  // walks from the new commit.
  git_repository* repo = nullptr;
  const ReceiveConfig* config = nullptr;
  std::string head_target;  // HEAD's symbolic target, "" when HEAD is detached or absent
  bool bare = true;
};

// Refuses the ready commands that break a rule, with git's reason. Returns the lines git
// would also print (rp_error/rp_warning: "error: denying non-fast-forward ..."), for band 2.
std::vector<std::string> apply_ref_policy(std::vector<PushCommand>& commands,
                                          const PolicyContext& context);

}  // namespace gitgate::git::detail
