// Indexes a received pack as `git index-pack --stdin --fix-thin` does: every entry's
// object id (delta chains resolved in parallel), a thin pack completed with the bases it
// lacks from the repository (appended, header count and trailer rewritten), and the
// .idx (v2) and .rev files beside it, so that the shared pack store and the bitmap path
// read the new pack at once. The pack file is complete on disk when this is called.
#pragma once

#include <git2.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <variant>

#include "git/push_settings.h"

namespace gitgate::git::detail {

struct IndexedPack {
  std::filesystem::path pack;   // pack-<checksum>.pack (renamed from the input name)
  std::filesystem::path index;  // pack-<checksum>.idx
  git_oid checksum{};           // the pack's trailer
  uint32_t objects = 0;         // entries after completion
  uint32_t added_bases = 0;     // objects appended to complete a thin pack
};

struct IndexFailure {
  std::string reason;  // for the client: "pack has 3 unresolved deltas", "bad zlib data at ..."
};

struct IndexProgress {
  // Called from the indexing thread(s), serialised: deltas resolved so far of total.
  std::function<void(uint32_t resolved, uint32_t total)> deltas;
};

// repo supplies thin-pack bases; threads 0 means one per core. Objects above
// limits.max_object_bytes inflated are refused, and so are objects SHA-1DC finds built by
// a collision attack (ids are computed as git computes them). The files are git's byte for
// byte (pack, .idx and .rev, thin-pack completion included).
std::variant<IndexedPack, IndexFailure> index_pack(const std::filesystem::path& pack,
                                                   git_repository* repo, const PushSettings& limits,
                                                   const IndexProgress& progress = {},
                                                   unsigned threads = 0);

// The same through libgit2's git_indexer (single-threaded; limits not checked: libgit2
// has none): the reference the tests cross-check index_pack against, file for file.
std::variant<IndexedPack, IndexFailure> index_pack_libgit2(const std::filesystem::path& pack,
                                                           git_repository* repo,
                                                           const PushSettings& limits,
                                                           const IndexProgress& progress = {});

}  // namespace gitgate::git::detail
