// The packs of a repository served by libgit2, as all requests share them.
#pragma once

#include <git2.h>

#include <memory>

#include "git/pack/pack_store.h"

namespace gitgate::git::detail {

// objects/pack of the repository's common directory, through pack::PackStore::shared.
std::shared_ptr<const pack::PackStore> repository_packs(git_repository* repo);

}  // namespace gitgate::git::detail
