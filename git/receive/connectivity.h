// Whether a pushed tip is connected (git's check_connected, connected.c): every object
// reachable from it is present, in the pushed pack or in the repository.
//
// git runs `rev-list --objects --stdin --not --all`: it walks from the new tips and stops
// at what the existing refs reach. This walks from the new tips through the objects of
// the pushed pack only, and stops at any object the repository already has. The two agree
// as long as the repository holds only connected closures, which it does when every push
// went through this check (and git's own gc keeps the closure of what it keeps); the walk
// then costs what the pack holds, not what the refs' history holds.
#pragma once

#include <git2.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "git/pack/oid.h"
#include "git/receive/object_links.h"

namespace gitgate::git::detail {

class ConnectivityCheck {
 public:
  // repository: the repository's objects; pushed: the pushed pack's objects alone, or
  // nullptr when no pack came. client_shallow: the client's shallow lines (a push from a
  // shallow clone; git's receive.shallowUpdate=false).
  ConnectivityCheck(git_odb* repository, git_odb* pushed, std::span<const git_oid> client_shallow);

  // nullopt when tip and all it reaches are present. Else git's reason for the ref:
  // "missing necessary objects", or "shallow update not allowed" when the missing objects
  // are the parents of one of the client's shallow commits (the push would make the
  // repository shallow). What a successful check proved is remembered for later tips.
  std::optional<std::string> check(const git_oid& tip);

  // Called with the count of objects walked so far, every 1024 objects (progress).
  void on_progress(std::function<void(uint64_t walked)> progress) {
    progress_ = std::move(progress);
  }
  [[nodiscard]] uint64_t walked() const { return walked_; }

 private:
  // Present in the repository (looked up again after one refresh, for packs that landed
  // since it was opened).
  bool in_repository(const git_oid& id);
  // Reads a pushed object and queues what it refers to. false: malformed.
  bool expand(const git_oid& id, LinkKind kind, std::vector<ObjectLink>& stack,
              std::optional<std::string>& shallow_error);

  git_odb* repository_;
  git_odb* pushed_;
  std::unordered_set<git_oid, OidHash, OidEqual> shallow_;
  std::unordered_set<git_oid, OidHash, OidEqual> connected_;
  bool refreshed_ = false;
  uint64_t walked_ = 0;
  std::function<void(uint64_t)> progress_;
};

}  // namespace gitgate::git::detail
