// Owning handles and small helpers for the libgit2 objects upload-pack uses.
#pragma once

#include <git2.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "git/pack/oid.h"

namespace gitgate::git::detail {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};

using RepositoryPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using ReferencePtr = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using TagPtr = std::unique_ptr<git_tag, Deleter<git_tag, git_tag_free>>;
using RevwalkPtr = std::unique_ptr<git_revwalk, Deleter<git_revwalk, git_revwalk_free>>;
using OdbPtr = std::unique_ptr<git_odb, Deleter<git_odb, git_odb_free>>;
using RefIteratorPtr =
    std::unique_ptr<git_reference_iterator,
                    Deleter<git_reference_iterator, git_reference_iterator_free>>;

// libgit2's global state is reference counted; one initialisation for the process.
void ensure_libgit2();

// The commit under any layers of tags; nullopt for trees, blobs and unknown ids.
std::optional<git_oid> peel_to_commit(git_repository* repo, const git_oid& id);

// The message of libgit2's last error, or fallback.
std::string last_error(const char* fallback);

}  // namespace gitgate::git::detail
