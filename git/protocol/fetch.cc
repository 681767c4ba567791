#include "git/protocol/fetch.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <semaphore>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "git/cache/pack_cache_key.h"
#include "git/pack/pack_writer.h"
#include "git/pack/repository_packs.h"
#include "git/select/object_selection.h"

namespace gitgate::git::detail {
namespace {

// The repository's config file: <repo>/config when bare, else <repo>/.git/config.
std::filesystem::path config_file(const std::filesystem::path& repo) {
  std::error_code ec;
  const auto dot_git = repo / ".git" / "config";
  return std::filesystem::exists(dot_git, ec) ? dot_git : repo / "config";
}

// libgit2 1.5 reads SHA-1 repositories only; say so instead of a confusing failure.
bool uses_other_object_format(const std::filesystem::path& repo) {
  git_config* raw = nullptr;
  if (git_config_open_ondisk(&raw, config_file(repo).c_str()) != 0) {
    return false;
  }
  git_buf value = GIT_BUF_INIT;
  const bool other = git_config_get_string_buf(&value, raw, "extensions.objectformat") == 0 &&
                     std::string_view(value.ptr, value.size) != "sha1";
  git_buf_dispose(&value);
  git_config_free(raw);
  return other;
}

// The pack goes to the client and, while the cache entry has not failed, to the entry.
// When the client goes away while other requests follow this generation (PackCache::serve,
// kShared), the pack is still written for them: one client hanging up must not fail the
// others that share its pack.
class TeeSink : public PackSink {
 public:
  TeeSink(Output& out, PackCacheWriter* entry) : out_(out), entry_(entry) {}
  bool pack_data(std::span<const uint8_t> bytes) override {
    client_ok_ = client_ok_ && out_.pack_data(bytes);
    if (entry_ == nullptr) {
      return client_ok_;
    }
    entry_->append(bytes);
    return client_ok_ || (!entry_->failed() && entry_->followers() > 0);
  }
  void progress(std::string_view text) override {
    if (client_ok_) {
      out_.progress(text);
    }
  }
  bool client_ok() const { return client_ok_; }

 private:
  Output& out_;
  PackCacheWriter* entry_;
  bool client_ok_ = true;
};

// The client's sink while the cache answers: says "hit" once, as the first byte goes out.
class HitSink : public PackSink {
 public:
  HitSink(Output& out, std::function<void()> on_first_byte)
      : out_(out), on_first_byte_(std::move(on_first_byte)) {}
  bool pack_data(std::span<const uint8_t> bytes) override {
    if (on_first_byte_) {
      std::exchange(on_first_byte_, nullptr)();
    }
    return out_.pack_data(bytes);
  }
  void progress(std::string_view text) override { out_.progress(text); }

 private:
  Output& out_;
  std::function<void()> on_first_byte_;
};

std::string canonical_path(git_repository* repo) {
  std::error_code ec;
  auto path = std::filesystem::canonical(git_repository_path(repo), ec);
  return ec ? std::string(git_repository_path(repo)) : path.string();
}

std::optional<PackFailure> select_and_write(git_repository* repo, const RefSet& refs,
                                            const PackRequest& request, PackSink& sink,
                                            Output& out) {
  const auto packs = repository_packs(repo);  // one look at the pack directory per request
  // The slot covers enumeration, the CPU-bound part. Writing mostly copies stored entries
  // at the client's pace: holding a slot through it served a burst of clones two at a time.
  auto objects = [&] {
    const PackSlot slot(out);
    return select_objects(repo, refs, request, packs);
  }();
  if (auto* error = std::get_if<std::string>(&objects)) {
    return PackFailure{"cannot enumerate the objects to send", *error};
  }
  auto& set = std::get<ObjectSet>(objects);
  out.progress("Enumerating objects: " + std::to_string(set.objects.size()) + ", done.\n");
  // Stored deltas are streamed as they are, not recomputed.
  const PackOptions options{request.ofs_delta};
  if (auto error = make_reusing_pack_writer(packs)->write(repo, set, options, sink)) {
    return PackFailure{"cannot write the pack", *error};
  }
  return std::nullopt;
}

// Pack generation is CPU-bound (docs/DESIGN.md): at most one per core at a time, so a burst
// of clones queues instead of thrashing. The queued ones keep getting keepalives.
std::counting_semaphore<>& pack_slots() {
  static std::counting_semaphore<> slots(
      static_cast<ptrdiff_t>(std::max(1U, std::thread::hardware_concurrency())));
  return slots;
}

std::atomic<int64_t> slots_running{0};
std::atomic<int64_t> slots_queued{0};

}  // namespace

PackSlot::PackSlot(Output& out) {
  if (!pack_slots().try_acquire()) {
    out.progress("Waiting for a free pack slot...\r");
    slots_queued.fetch_add(1, std::memory_order_relaxed);
    pack_slots().acquire();
    slots_queued.fetch_sub(1, std::memory_order_relaxed);
  }
  slots_running.fetch_add(1, std::memory_order_relaxed);
}

PackSlot::~PackSlot() {
  slots_running.fetch_sub(1, std::memory_order_relaxed);
  pack_slots().release();
}

PackSlotUse pack_slot_use() {
  return {slots_running.load(std::memory_order_relaxed),
          slots_queued.load(std::memory_order_relaxed)};
}

std::string_view cache_label(CacheUse use) {
  switch (use) {
    case CacheUse::kHit:
      return "cache:hit";
    case CacheUse::kMiss:
      return "cache:miss";
    case CacheUse::kNone:
      break;
  }
  return {};
}

std::variant<RepositoryPtr, PackFailure> open_repository(const std::filesystem::path& path) {
  if (uses_other_object_format(path)) {
    return PackFailure{"this server does not support SHA-256 repositories",
                       "extensions.objectformat is not sha1"};
  }
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    return PackFailure{"cannot open the repository", last_error("unknown error")};
  }
  return RepositoryPtr(raw);
}

std::optional<PackFailure> send_pack(git_repository* repo, const RefSet& refs,
                                     const PackRequest& request, Output& out,
                                     const CacheUseReport& cache_used) {
  // From here until the first pack byte the client hears nothing but keepalives.
  Keepalive keepalive(out, request.keepalive);
  // Only a request that could be answered from the cache is a hit or a miss; a fetch with
  // haves never is, and carries no cache label (CacheUse::kNone).
  std::optional<std::string> key;
  if (request.cache != nullptr && cacheable(request)) {
    key = pack_cache_key(canonical_path(repo), refs, request);
  }
  std::unique_ptr<PackCacheWriter> entry;
  if (key) {
    const auto report = [&](CacheUse use) {
      if (cache_used) {
        cache_used(use);
      }
    };
    // A hit, or the pack another request is generating for the same key right now (one
    // generation shared): both are cache:hit, known from the first byte the cache sends.
    // kMiss: this request generates, and entry (when caching is possible) is registered so
    // identical requests follow it.
    HitSink hit_sink(out, [&] { report(CacheUse::kHit); });
    switch (request.cache->serve(*key, hit_sink, &entry)) {
      case PackCache::Served::kSent:
      case PackCache::Served::kShared:  // hit_sink said so with the first byte
        if (!out.end_pack()) {
          return PackFailure{"the client went away", ""};
        }
        return std::nullopt;
      case PackCache::Served::kFailed:
        report(CacheUse::kHit);  // answered from the cache, which failed: see its log
        return PackFailure{"cannot send the cached pack",
                           "the client went away, or the cached pack failed (see the log)"};
      case PackCache::Served::kMiss:
        report(CacheUse::kMiss);
        break;
    }
  }
  TeeSink sink(out, entry.get());
  if (auto failure = select_and_write(repo, refs, request, sink, out)) {
    return failure;  // entry, dropped, leaves nothing; its followers fall back or fail
  }
  const bool flushed = sink.client_ok() && out.end_pack();
  if (entry) {
    entry->commit();  // a failure leaves nothing behind; the pack itself was complete
  }
  if (!flushed) {
    return PackFailure{"the client went away", ""};
  }
  return std::nullopt;
}

}  // namespace gitgate::git::detail
