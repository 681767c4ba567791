// What a commit, tag or tree refers to, read from the object's body (no header), for the
// connectivity walk. Pushed objects are untrusted: with [push] fsck off nothing has checked
// them, so a body that does not parse is a value, never a crash.
#pragma once

#include <git2.h>

#include <optional>
#include <span>
#include <vector>

namespace gitgate::git::detail {

enum class LinkKind { kAny, kCommit, kTree, kBlob };

struct ObjectLink {
  git_oid id{};
  LinkKind kind = LinkKind::kAny;
};

// commit = "tree" SP id LF *("parent" SP id LF) ...   (the tree first, then the parents)
// tag    = "object" SP id LF "type" SP type LF ...    (the object, of any kind)
// tree   = *(mode SP name NUL 20-byte-id); mode 40000 a tree, 160000 a submodule's commit
//          (not in this repository: no link), any other a blob
// nullopt when the body does not parse; blobs have no links.
std::optional<std::vector<ObjectLink>> object_links(git_object_t type,
                                                    std::span<const uint8_t> body);

}  // namespace gitgate::git::detail
