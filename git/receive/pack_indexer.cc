#include "git/receive/pack_indexer.h"

namespace gitgate::git::detail {

std::variant<IndexedPack, IndexFailure> index_pack(const std::filesystem::path& pack,
                                                   git_repository* repo, const PushSettings& limits,
                                                   const IndexProgress& progress,
                                                   unsigned /*threads*/) {
  return index_pack_libgit2(pack, repo, limits, progress);
}

}  // namespace gitgate::git::detail
