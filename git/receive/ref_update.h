// The ref updates of a push, each a compare-and-swap under git's lock file
// (refs/heads/x.lock, created exclusively, as git's files backend does): lock the ref,
// check its value is the command's old id, write the new one (or delete it), unlock.
// Two pushes that race for one ref end with one winner; the other finds the lock taken
// ("failed to lock") or, once the winner is done, a value it did not expect
// ("incorrect old value provided", git's ref_transaction_error_msg).
#pragma once

#include <git2.h>

#include <string>
#include <vector>

#include "git/receive/push_command.h"

namespace gitgate::git::detail {

// Updates the ready commands' refs; a command that fails gets git's reason. Not atomic:
// each ref alone, deletions first (git's execute_commands_non_atomic, so that deleting
// refs/heads/a lets the same push create refs/heads/a/b). Atomic: every ref locked and
// checked before any is written; the first failure keeps its reason and every other
// ready command gets "atomic transaction failed" (execute_commands_atomic). Returns the
// lines git prints on the way ("error: ..."), for band 2.
std::vector<std::string> update_refs(git_repository* repo, std::vector<PushCommand>& commands,
                                     bool atomic);

}  // namespace gitgate::git::detail
