// index_pack_libgit2: libgit2's git_indexer, given the repository's object database so
// that it completes a thin pack (libgit2's fix_thin_pack appends the missing bases and
// rewrites the header count and trailer, as `git index-pack --fix-thin`). It writes
// pack-<checksum>.pack and .idx into the input's directory; the .rev, which libgit2 does
// not write, is derived from the .idx.
#include <fmt/format.h>

#include <array>
#include <fstream>

#include "git/pack/libgit2.h"
#include "git/receive/detail/rev_index.h"
#include "git/receive/pack_indexer.h"

namespace gitgate::git::detail {
namespace {

using IndexerPtr = std::unique_ptr<git_indexer, Deleter<git_indexer, git_indexer_free>>;

struct ProgressRelay {
  const IndexProgress* progress = nullptr;
  uint32_t last_resolved = 0;
};

int relay_progress(const git_indexer_progress* stats, void* payload) {
  auto* relay = static_cast<ProgressRelay*>(payload);
  if (relay->progress->deltas && stats->total_deltas > 0 &&
      stats->indexed_deltas != relay->last_resolved) {
    relay->last_resolved = stats->indexed_deltas;
    relay->progress->deltas(stats->indexed_deltas, stats->total_deltas);
  }
  return 0;
}

std::string feed_file(git_indexer* indexer, const std::filesystem::path& pack,
                      git_indexer_progress& stats) {
  std::ifstream in(pack, std::ios::binary);
  if (!in) {
    return "cannot open " + pack.string();
  }
  std::vector<char> buffer(size_t{1} << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n > 0 && git_indexer_append(indexer, buffer.data(), n, &stats) != 0) {
      return last_error("bad pack");
    }
  }
  if (in.bad()) {
    return "cannot read " + pack.string();
  }
  return {};
}

}  // namespace

std::variant<IndexedPack, IndexFailure> index_pack_libgit2(const std::filesystem::path& pack,
                                                           git_repository* repo,
                                                           const PushSettings& /*limits*/,
                                                           const IndexProgress& progress) {
  ensure_libgit2();
  git_odb* raw_odb = nullptr;
  if (repo != nullptr && git_repository_odb(&raw_odb, repo) != 0) {
    return IndexFailure{last_error("cannot open the object database")};
  }
  const OdbPtr odb(raw_odb);
  ProgressRelay relay{&progress};
  git_indexer_options options{};
  if (git_indexer_options_init(&options, GIT_INDEXER_OPTIONS_VERSION) != 0) {
    return IndexFailure{last_error("cannot start the indexer")};
  }
  options.progress_cb = relay_progress;
  options.progress_cb_payload = &relay;
  const std::filesystem::path dir = pack.parent_path();
  git_indexer* raw = nullptr;
  if (git_indexer_new(&raw, dir.c_str(), 0, odb.get(), &options) != 0) {
    return IndexFailure{last_error("cannot start the indexer")};
  }
  // Freed before the input is removed: an uncommitted indexer deletes its temporary pack.
  IndexerPtr indexer(raw);
  git_indexer_progress stats{};
  if (std::string error = feed_file(indexer.get(), pack, stats); !error.empty()) {
    return IndexFailure{std::move(error)};
  }
  if (git_indexer_commit(indexer.get(), &stats) != 0) {
    return IndexFailure{last_error("cannot index the pack")};
  }
  IndexedPack result;
  if (git_oid_fromstr(&result.checksum, git_indexer_name(indexer.get())) != 0) {
    return IndexFailure{"libgit2 named the pack oddly"};
  }
  const std::string base = std::string("pack-") + git_indexer_name(indexer.get());
  result.pack = dir / (base + ".pack");
  result.index = dir / (base + ".idx");
  result.added_bases = stats.local_objects;
  indexer.reset();
  if (std::string error = write_rev_for(result.index, result.objects); !error.empty()) {
    std::error_code ignored;
    std::filesystem::remove(result.index, ignored);
    std::filesystem::remove(result.pack, ignored);
    return IndexFailure{std::move(error)};
  }
  std::error_code ignored;
  if (!std::filesystem::equivalent(pack, result.pack, ignored)) {
    std::filesystem::remove(pack, ignored);
  }
  return result;
}

}  // namespace gitgate::git::detail
