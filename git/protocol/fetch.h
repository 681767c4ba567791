// The part of a fetch both protocol versions share once negotiation is over: choose
// the objects (wants, common commits, shallow boundary, filter) and stream the pack
// through Output, with keepalives while it is being computed.
#pragma once

#include <git2.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "git/cache/pack_cache.h"
#include "git/protocol/advertisement.h"
#include "git/protocol/upload_pack_io.h"
#include "git/select/fetch_request.h"

namespace gitgate::git::detail {

// git's uploadpack.keepalive default.
inline constexpr std::chrono::milliseconds kKeepaliveInterval{5000};

// A FetchRequest and how this server answers it.
struct PackRequest : FetchRequest {
  std::chrono::milliseconds keepalive = kKeepaliveInterval;
  PackCache* cache = nullptr;  // clones are served from / stored in it when set
};

// One of the server's CPU slots (one per core), held while a request does CPU-bound work:
// enumerating objects for a pack, and the walks that check wants and haves, so that a
// burst of expensive negotiations queues instead of thrashing. Not reentrant.
class PackSlot {
 public:
  explicit PackSlot(Output& out);  // blocks until a slot is free, telling the client so
  ~PackSlot();
  PackSlot(const PackSlot&) = delete;
  PackSlot& operator=(const PackSlot&) = delete;
};

// Requests holding a PackSlot now, and waiting for one (for the metrics).
struct PackSlotUse {
  int64_t running = 0;
  int64_t queued = 0;
};
[[nodiscard]] PackSlotUse pack_slot_use();

// Whether the pack came from the cache: access-log label "cache:hit" / "cache:miss".
// kHit also when the request followed an identical request's generation in progress
// (PackCache::Served::kShared: the two share one generation, this one generated nothing).
// kNone for requests the cache can never answer (fetches with haves): no label.
enum class CacheUse { kNone, kHit, kMiss };

struct PackFailure {
  std::string what;    // for the client
  std::string detail;  // for the log (libgit2's message)
};

// Opens the repository upload-pack serves; refuses object formats libgit2 cannot read.
std::variant<RepositoryPtr, PackFailure> open_repository(const std::filesystem::path& path);

// Called after Output::begin_pack. nullopt when the pack (and the final flush) went out.
// With request.cache, a cacheable request is answered from a complete entry for its key
// (no object selection), or follows the generation of an identical request in progress,
// or its freshly written pack is kept for the next one. cache_used (when given) is told
// which as soon as it is known: kHit with the cache's first byte to the client (a request
// ended while the cached pack streams is a hit), kMiss when this request generates; never
// for a request that cannot be cached.
using CacheUseReport = std::function<void(CacheUse)>;
std::optional<PackFailure> send_pack(git_repository* repo, const RefSet& refs,
                                     const PackRequest& request, Output& out,
                                     const CacheUseReport& cache_used = {});

// The access-log label for a CacheUse; empty for kNone.
std::string_view cache_label(CacheUse use);

}  // namespace gitgate::git::detail
