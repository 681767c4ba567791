#include "git/receive/ref_policy.h"

#include <optional>

#include "git/pack/libgit2.h"
#include "git/receive/ref_name.h"

namespace gitgate::git::detail {
namespace {

bool refuses(DenyAction action) {
  return action == DenyAction::kUnconfigured || action == DenyAction::kRefuse ||
         action == DenyAction::kUpdateInstead;
}

bool object_type_is(git_repository* repo, const git_oid& id, git_object_t type) {
  git_odb* raw = nullptr;
  if (git_repository_odb(&raw, repo) != 0) {
    return false;
  }
  const OdbPtr odb(raw);
  size_t size = 0;
  git_object_t found = GIT_OBJECT_INVALID;
  return git_odb_read_header(&size, &found, odb.get(), &id) == 0 && found == type;
}

// git: "non-fast-forward" unless old is an ancestor of new; "bad ref" when either is
// not a commit. Only refs/heads/ are held to it.
std::optional<std::string> fast_forward_problem(const PolicyContext& context, const RefCommand& c,
                                                std::vector<std::string>& messages) {
  if (git_oid_equal(&c.old_id, &c.new_id) != 0) {
    return std::nullopt;
  }
  if (!object_type_is(context.repo, c.old_id, GIT_OBJECT_COMMIT) ||
      !object_type_is(context.repo, c.new_id, GIT_OBJECT_COMMIT)) {
    messages.push_back("error: bad sha1 objects for " + c.ref);
    return "bad ref";
  }
  const int descends = git_graph_descendant_of(context.repo, &c.new_id, &c.old_id);
  if (descends == 1) {
    return std::nullopt;
  }
  if (descends < 0) {
    messages.push_back("error: cannot compare " + c.ref + ": " + last_error("libgit2 error"));
    return "bad ref";
  }
  messages.push_back("error: denying non-fast-forward " + c.ref + " (you should pull first)");
  return "non-fast-forward";
}

std::optional<std::string> problem_of(const PolicyContext& context, const RefCommand& c,
                                      std::vector<std::string>& messages) {
  const ReceiveConfig& config = *context.config;
  if (auto bad = check_pushed_ref_name(c.ref, is_delete(c))) {
    messages.push_back("error: refusing to update funny ref '" + c.ref + "' remotely");
    return bad;
  }
  const bool deleting = is_delete(c);
  if (ref_is_hidden(c.ref, config.hide_refs)) {
    return deleting ? "deny deleting a hidden ref" : "deny updating a hidden ref";
  }
  const bool current = c.ref == context.head_target;
  if (current && !context.bare) {
    if (refuses(config.deny_current_branch)) {
      messages.push_back("error: refusing to update checked out branch: " + c.ref);
      return "branch is currently checked out";
    }
    if (config.deny_current_branch == DenyAction::kWarn) {
      messages.push_back("warning: updating the current branch");
    }
  }
  if (deleting) {
    if (config.deny_deletes && c.ref.starts_with("refs/heads/")) {
      messages.push_back("error: denying ref deletion for " + c.ref);
      return "deletion prohibited";
    }
    if (current) {
      if (refuses(config.deny_delete_current)) {
        messages.push_back("error: refusing to delete the current branch: " + c.ref);
        return "deletion of the current branch prohibited";
      }
      if (config.deny_delete_current == DenyAction::kWarn) {
        messages.push_back("warning: deleting the current branch");
      }
    }
    return std::nullopt;
  }
  if (config.deny_non_fast_forwards && !is_create(c) && c.ref.starts_with("refs/heads/")) {
    return fast_forward_problem(context, c, messages);
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> apply_ref_policy(std::vector<PushCommand>& commands,
                                          const PolicyContext& context) {
  std::vector<std::string> messages;
  for (PushCommand& command : commands) {
    if (!command.ready()) {
      continue;
    }
    if (auto problem = problem_of(context, command.command, messages)) {
      command.refuse(std::move(*problem));
    }
  }
  return messages;
}

}  // namespace gitgate::git::detail
