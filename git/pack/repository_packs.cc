#include "git/pack/repository_packs.h"

#include <filesystem>

namespace gitgate::git::detail {

std::shared_ptr<const pack::PackStore> repository_packs(git_repository* repo) {
  return pack::PackStore::shared(std::filesystem::path(git_repository_commondir(repo)) / "objects" /
                                 "pack");
}

}  // namespace gitgate::git::detail
