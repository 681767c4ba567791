#include "git/receive/receive_config.h"

#include <strings.h>

#include <memory>

#include "git/pack/libgit2.h"

namespace gitgate::git::detail {
namespace {

using ConfigPtr = std::unique_ptr<git_config, Deleter<git_config, git_config_free>>;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// A boolean setting; absent keeps the default. An unparsable value is reported by libgit2.
bool read_bool(git_config* config, const char* name, bool& out, std::string& error) {
  int value = 0;
  const int rc = git_config_get_bool(&value, config, name);
  if (rc == GIT_ENOTFOUND) {
    return true;
  }
  if (rc != 0) {
    error = last_error("bad boolean in the repository's configuration");
    return false;
  }
  out = value != 0;
  return true;
}

void read_deny_action(git_config* config, const char* name, DenyAction& out) {
  git_config_entry* raw = nullptr;
  if (git_config_get_entry(&raw, config, name) != 0) {
    return;  // absent: the default
  }
  const std::unique_ptr<git_config_entry, Deleter<git_config_entry, git_config_entry_free>> entry(
      raw);
  // A key without a value is boolean true.
  out = entry->value == nullptr ? DenyAction::kRefuse : parse_deny_action(entry->value);
}

// git's parse_hide_refs_config: trailing '/' removed; a key without a value hides nothing.
int add_hide_ref(const git_config_entry* entry, void* payload) {
  if (entry->value != nullptr) {
    std::string pattern = entry->value;
    while (pattern.size() > 1 && pattern.back() == '/') {
      pattern.pop_back();
    }
    static_cast<std::vector<std::string>*>(payload)->push_back(std::move(pattern));
  }
  return 0;
}

// receive.fsck.<msg-id> = error | warn | ignore (git-config(1)); libgit2 hands the names
// over in lower case. skipList is not supported (a file of object ids).
bool read_fsck_severities(git_config* config, std::vector<std::string>& ignored) {
  git_config_iterator* raw = nullptr;
  if (git_config_iterator_glob_new(&raw, config, "^receive\\.fsck\\.") != 0) {
    return false;
  }
  const std::unique_ptr<git_config_iterator, Deleter<git_config_iterator, git_config_iterator_free>>
      iter(raw);
  git_config_entry* entry = nullptr;
  while (git_config_next(&entry, iter.get()) == 0) {
    const std::string_view name = entry->name;
    const std::string_view id = name.substr(std::string_view("receive.fsck.").size());
    const std::string_view value = entry->value != nullptr ? entry->value : "";
    const bool lets_through =
        equals_ignoring_case(value, "ignore") || equals_ignoring_case(value, "warn");
    std::erase(ignored, std::string(id));  // a later line overrides an earlier one
    if (lets_through && id != "skiplist") {
      ignored.emplace_back(id);
    }
  }
  return true;
}

}  // namespace

DenyAction parse_deny_action(std::string_view value) {
  if (equals_ignoring_case(value, "ignore")) {
    return DenyAction::kIgnore;
  }
  if (equals_ignoring_case(value, "warn")) {
    return DenyAction::kWarn;
  }
  if (equals_ignoring_case(value, "refuse")) {
    return DenyAction::kRefuse;
  }
  if (equals_ignoring_case(value, "updateinstead")) {
    return DenyAction::kUpdateInstead;
  }
  // git's git_parse_maybe_bool: false/no/off in any case, or an integer that is zero (an
  // empty value is false too); parsed here, since libgit2's parser needs its error state.
  const bool is_false = value.empty() || equals_ignoring_case(value, "false") ||
                        equals_ignoring_case(value, "no") || equals_ignoring_case(value, "off") ||
                        (value.find_first_not_of('0') == std::string_view::npos);
  return is_false ? DenyAction::kIgnore : DenyAction::kRefuse;
}

std::variant<ReceiveConfig, std::string> read_receive_config(git_repository* repo) {
  git_config* raw = nullptr;
  if (git_repository_config_snapshot(&raw, repo) != 0) {
    return last_error("cannot read the repository's configuration");
  }
  const ConfigPtr config(raw);
  ReceiveConfig out;
  std::string error;
  if (!read_bool(config.get(), "receive.denyDeletes", out.deny_deletes, error) ||
      !read_bool(config.get(), "receive.denyNonFastForwards", out.deny_non_fast_forwards, error) ||
      !read_bool(config.get(), "receive.autoGc", out.auto_gc, error)) {
    return error;
  }
  read_deny_action(config.get(), "receive.denyCurrentBranch", out.deny_current_branch);
  read_deny_action(config.get(), "receive.denyDeleteCurrent", out.deny_delete_current);
  // git keeps both keys' values in file order. libgit2 does not hand entries of two keys
  // back in file order, so transfer.hideRefs come first and receive.hideRefs after them:
  // the more specific section decides where both match (the last match wins).
  for (const char* key : {"transfer.hiderefs", "receive.hiderefs"}) {
    const int rc =
        git_config_get_multivar_foreach(config.get(), key, nullptr, add_hide_ref, &out.hide_refs);
    if (rc != 0 && rc != GIT_ENOTFOUND) {
      return last_error("cannot read hideRefs");
    }
  }
  if (!read_fsck_severities(config.get(), out.fsck_ignored)) {
    return last_error("cannot read receive.fsck.*");
  }
  return out;
}

bool ref_is_hidden(std::string_view name, const std::vector<std::string>& patterns) {
  for (auto it = patterns.rbegin(); it != patterns.rend(); ++it) {
    std::string_view match = *it;
    const bool negated = match.starts_with('!');
    if (negated) {
      match.remove_prefix(1);
    }
    if (match.starts_with('^')) {
      match.remove_prefix(1);  // the full name: ours, as no namespace is in use
    }
    if (name.starts_with(match) && (name.size() == match.size() || name[match.size()] == '/')) {
      return !negated;
    }
  }
  return false;
}

}  // namespace gitgate::git::detail
