#include "git/receive/connectivity.h"

#include <memory>
#include <string_view>

#include "git/pack/libgit2.h"

namespace gitgate::git::detail {
namespace {

using OdbObjectPtr = std::unique_ptr<git_odb_object, Deleter<git_odb_object, git_odb_object_free>>;

constexpr std::string_view kMissing = "missing necessary objects";
constexpr std::string_view kShallow = "shallow update not allowed";

bool kind_matches(LinkKind kind, git_object_t type) {
  switch (kind) {
    case LinkKind::kCommit:
      return type == GIT_OBJECT_COMMIT;
    case LinkKind::kTree:
      return type == GIT_OBJECT_TREE;
    case LinkKind::kBlob:
      return type == GIT_OBJECT_BLOB;
    case LinkKind::kAny:
      return true;
  }
  return false;
}

}  // namespace

ConnectivityCheck::ConnectivityCheck(git_odb* repository, git_odb* pushed,
                                     std::span<const git_oid> client_shallow)
    : repository_(repository),
      pushed_(pushed),
      shallow_(client_shallow.begin(), client_shallow.end()) {}

bool ConnectivityCheck::in_repository(const git_oid& id) {
  // No refresh on each miss: most pushed objects are misses, and libgit2 would rescan the
  // pack directory for every one.
  if (git_odb_exists_ext(repository_, &id, GIT_ODB_LOOKUP_NO_REFRESH) != 0) {
    return true;
  }
  if (!refreshed_) {
    refreshed_ = true;
    git_odb_refresh(repository_);
    return git_odb_exists_ext(repository_, &id, GIT_ODB_LOOKUP_NO_REFRESH) != 0;
  }
  return false;
}

bool ConnectivityCheck::expand(const git_oid& id, LinkKind kind, std::vector<ObjectLink>& stack,
                               std::optional<std::string>& shallow_error) {
  git_odb_object* raw = nullptr;
  if (git_odb_read(&raw, pushed_, &id) != 0) {
    return false;
  }
  const OdbObjectPtr object(raw);
  const git_object_t type = git_odb_object_type(raw);
  if (!kind_matches(kind, type)) {
    return false;
  }
  auto links = object_links(
      type, {static_cast<const uint8_t*>(git_odb_object_data(raw)), git_odb_object_size(raw)});
  if (!links) {
    return false;
  }
  const bool shallow = type == GIT_OBJECT_COMMIT && shallow_.contains(id);
  for (const ObjectLink& link : *links) {
    // A client's shallow commit reaches no further on the client; here its parents must
    // already exist, or the repository would become shallow.
    if (shallow && link.kind == LinkKind::kCommit && !connected_.contains(link.id) &&
        !in_repository(link.id) && git_odb_exists(pushed_, &link.id) == 0) {
      shallow_error = std::string(kShallow);
      return false;
    }
    stack.push_back(link);
  }
  return true;
}

std::optional<std::string> ConnectivityCheck::check(const git_oid& tip) {
  std::unordered_set<git_oid, OidHash, OidEqual> visited;
  std::vector<ObjectLink> stack{{tip, LinkKind::kAny}};
  std::optional<std::string> shallow_error;
  while (!stack.empty()) {
    const ObjectLink next = stack.back();
    stack.pop_back();
    if (connected_.contains(next.id) || !visited.insert(next.id).second) {
      continue;
    }
    if ((++walked_ & 1023) == 0 && progress_) {
      progress_(walked_);
    }
    const bool pushed = pushed_ != nullptr && git_odb_exists(pushed_, &next.id) != 0;
    if (pushed && next.kind != LinkKind::kBlob) {
      if (!expand(next.id, next.kind, stack, shallow_error)) {
        return shallow_error ? *shallow_error : std::string(kMissing);
      }
    } else if (!pushed && !in_repository(next.id)) {
      return std::string(kMissing);
    }
  }
  // Only now: a failed walk proved nothing about the objects it visited.
  connected_.insert(visited.begin(), visited.end());
  return std::nullopt;
}

}  // namespace gitgate::git::detail
