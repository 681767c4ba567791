// The repository's refs as upload-pack sees them: HEAD and every ref under refs/, with
// tags peeled. Read once per request; advertisement, selection and the cache key use them.
#pragma once

#include <git2.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gitgate::git::detail {

struct AdvertisedRef {
  std::string name;
  git_oid id{};
  std::optional<git_oid> peeled;  // for annotated tags: the object under all tag layers
};

struct RefSet {
  std::vector<AdvertisedRef> refs;  // HEAD first when it resolves, then sorted by name
  std::string head_target;          // "refs/heads/main" when HEAD is a symbolic ref, even unborn
};

// Reads HEAD and every ref under refs/; the error text when libgit2 fails.
std::variant<RefSet, std::string> read_refs(git_repository* repo);

}  // namespace gitgate::git::detail
