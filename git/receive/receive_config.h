// The repository's receive.* and transfer.* settings that receive-pack honours
// (git-config(1), builtin/receive-pack.c receive_pack_config), read with libgit2 from the
// repository's configuration, and git's hidden-ref rule (refs.c ref_is_hidden).
#pragma once

#include <git2.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gitgate::git::detail {

// receive.denyCurrentBranch / receive.denyDeleteCurrent. kUnconfigured refuses, as git
// does; updateInstead is not supported (the server never writes a work tree) and refuses.
enum class DenyAction { kUnconfigured, kIgnore, kWarn, kRefuse, kUpdateInstead };

struct ReceiveConfig {
  bool deny_deletes = false;            // receive.denyDeletes
  bool deny_non_fast_forwards = false;  // receive.denyNonFastForwards
  bool auto_gc = true;                  // receive.autoGc: maintenance after a push
  DenyAction deny_current_branch = DenyAction::kUnconfigured;
  DenyAction deny_delete_current = DenyAction::kUnconfigured;
  // fsck message ids (lower case) that receive.fsck.<id> sets to ignore or warn: pushed
  // objects with only that problem pass (git's receive.fsck.<msg-id>).
  std::vector<std::string> fsck_ignored;
  // transfer.hideRefs values, then receive.hideRefs values (git: both in file order),
  // trailing '/' removed (git's parse_hide_refs_config).
  std::vector<std::string> hide_refs;
};

// git's parse_deny_action: ignore, warn, refuse, updateInstead (any case), else a boolean
// (true refuses, false ignores). A value that is neither refuses: git would die on it.
DenyAction parse_deny_action(std::string_view value);

// The error text when libgit2 cannot read the configuration.
std::variant<ReceiveConfig, std::string> read_receive_config(git_repository* repo);

// git's ref_is_hidden without namespaces: the last pattern that matches decides; a
// pattern matches a name that equals it or continues it with '/'; '!' negates; '^' marks a
// pattern for the full name, which without namespaces is the same name.
bool ref_is_hidden(std::string_view name, const std::vector<std::string>& patterns);

}  // namespace gitgate::git::detail
