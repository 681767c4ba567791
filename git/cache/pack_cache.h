// A cache of whole packs for identical upload-pack requests (CI fleets cloning the same
// repository many times an hour), like Bitbucket's SCM cache. An entry holds the raw pack
// bytes (side-band framing is applied when streaming out), is written to a temp file while
// the first request streams its pack, and becomes visible only once the pack is complete
// and its trailing SHA-1 checks out. The directory is kept like a secret store (mode 0700,
// entries 0600, only our own regular files opened, never through a symlink) and only this
// process may use it: it holds a lock on the directory for its life, so temp files found at
// start are leftovers of a crash and are removed. The bytes of temp files count against
// max_bytes and min_free_bytes as they are written, not only once they are entries.
//
// Identical concurrent requests share one generation: while a pack is being written for a
// key, later requests for that key follow it (serve, kShared) and stream the bytes from the
// temp file as the leader writes them, instead of generating the same pack again. They
// hold back the last 20 bytes (maybe the trailer) until commit() has checked the whole
// pack. When the leader's generation ends without a commit (writer error, full disk, its
// client gone with nobody following), a follower that has sent nothing generates its own
// pack and one that has sent bytes fails; no wait is longer than follow_stall. Followers
// go at the pace of the leader's writing, which is the pace of the leader's client.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "git/cache/cache_directory.h"
#include "git/pack/pack_file.h"
#include "git/pack/pack_writer.h"

namespace gitgate::git {

struct PackCacheOptions {
  std::filesystem::path directory;
  uint64_t max_bytes = uint64_t{2048} << 20;       // total of all entries; LRU eviction above
  std::chrono::minutes ttl{60};                    // older entries are neither served nor kept
  uint64_t min_free_bytes = uint64_t{1024} << 20;  // below this free space: stream, don't cache
  // Free bytes on the file system holding directory (statvfs when empty); nullopt when
  // unknown, and then nothing is cached. Tests inject their own.
  std::function<std::optional<uint64_t>(const std::filesystem::path&)> free_space;
  // A request following another's generation gives up when no new byte was written for
  // this long (a stuck leader): it generates itself when it has sent nothing, else fails.
  std::chrono::milliseconds follow_stall{std::chrono::minutes(5)};
};

class PackCache;
struct PackGeneration;  // one pack being written, as its followers see it

// One entry being written. Dropped without a successful commit(), it leaves nothing.
class PackCacheWriter {
 public:
  // Without a generation (only PackCache::start makes one) nobody can follow the entry.
  PackCacheWriter(PackCache& cache, std::string key, std::filesystem::path temp, int fd,
                  std::shared_ptr<PackGeneration> generation = nullptr);
  // Without a successful commit() the generation is abandoned: its followers that have
  // sent nothing yet generate themselves, the others fail.
  ~PackCacheWriter();
  PackCacheWriter(const PackCacheWriter&) = delete;
  PackCacheWriter& operator=(const PackCacheWriter&) = delete;

  // A write error (full disk), or bytes that would take the cache over max_bytes (counting
  // the other temp files) or the disk under min_free_bytes, only mark the entry failed:
  // the client's pack goes on.
  void append(std::span<const uint8_t> bytes);
  // Checks the pack's trailer (against the SHA-1 of what was appended, computed as it
  // came), fsyncs and renames the entry into place, then evicts down to max_bytes. False
  // (and nothing cached) when anything failed.
  bool commit();

  // The entry can no longer be completed (a write failed).
  bool failed() const { return failed_; }
  // Requests currently streaming this generation.
  size_t followers() const;
  // Waits until at least count requests follow this generation, at most timeout: tests
  // line requests up with it (no sleeps).
  bool wait_for_followers(size_t count, std::chrono::milliseconds timeout);

 private:
  // Writes the buffer; with publish, followers may read it.
  bool flush(bool publish);
  void abandon();
  // Hands the bytes counted in flight back; stored: they are now an entry's.
  void settle(bool stored);

  PackCache& cache_;
  std::string key_;
  std::filesystem::path temp_;
  int fd_ = -1;
  std::string buffer_;
  detail::PackChecker checker_;
  bool failed_ = false;
  uint64_t in_flight_ = 0;  // bytes of the temp file counted in the cache's in-flight total
  std::shared_ptr<PackGeneration> generation_;  // null once committed or abandoned
};

// Why PackCache::open failed. kInUse: another process holds the directory's lock (a second
// gitgate must not start); kUnusable: anything else (the server may run without a cache).
struct PackCacheError {
  enum class Kind : uint8_t { kUnusable, kInUse };
  Kind kind = Kind::kUnusable;
  std::string message;  // names the directory; for kInUse the holder's pid when known
};

class PackCache {
 public:
  // Claims the directory (creates it 0700 or brings ours to 0700, refuses another user's,
  // locks it), removes leftover temp files and entries that are not our own regular files,
  // brings entries to 0600, then evicts down to the limits.
  static std::variant<std::unique_ptr<PackCache>, PackCacheError> open(PackCacheOptions options);

  // kSent: from a stored entry (cache:hit); kShared: from the generation in progress for
  // the same key (cache:hit, one generation shared); kMiss: nothing was sent, the caller
  // generates the pack; kFailed: bytes went out but the pack could not be completed (the
  // client went away, the file could not be read, a corrupt entry, or the generation
  // followed was abandoned) and the request must fail.
  enum class Served { kMiss, kSent, kShared, kFailed };
  // Streams the pack for key into sink in 64 KiB chunks: a fresh stored entry, checking
  // its trailing SHA-1 while streaming (a mismatch withholds the trailer, deletes the
  // entry: kFailed), or the generation in progress for key, whose bytes are followed as
  // they are written. Expired entries and files that are not packs are deleted and count
  // as a miss. On kMiss with lead given, *lead is the writer for the caller's own
  // generation (nullptr: generate without caching), registered in the same step so that
  // concurrent callers with the same key follow it instead of generating too.
  Served serve(std::string_view key, PackSink& sink,
               std::unique_ptr<PackCacheWriter>* lead = nullptr);

  // What serve() did so far, for metrics and tests: misses counts the generations callers
  // were told to do.
  struct Counters {
    uint64_t hits = 0;
    uint64_t shared = 0;
    uint64_t misses = 0;
    uint64_t corrupt = 0;
  };
  Counters counters() const;

  // A writer for a new entry, or nullptr when the free-space floor (or an error) says
  // the pack is streamed without caching, or another generation for key is in progress.
  std::unique_ptr<PackCacheWriter> start(std::string_view key);

  // Deletes expired entries, then the least recently used until the total fits.
  void evict();

  // SIGHUP: new max_bytes, ttl and min_free_bytes for what is stored, served and kept from
  // now on; evicts down to them at once. Generations in progress check the new ones at
  // their next chunk. The directory stays.
  void set_limits(uint64_t max_bytes, std::chrono::minutes ttl, uint64_t min_free_bytes) {
    max_bytes_.store(max_bytes);
    ttl_minutes_.store(ttl.count());
    min_free_bytes_.store(min_free_bytes);
    evict();
  }

  std::filesystem::path entry_path(std::string_view key) const;
  // As opened. max_bytes, ttl and min_free_bytes here are the opening values: set_limits()
  // replaces the ones in force, not these.
  const PackCacheOptions& options() const { return options_; }
  // Bytes written to temp files by generations in progress.
  uint64_t in_flight_bytes() const;
  // Bytes of the entries: at the last directory scan, plus the commits since.
  uint64_t stored_bytes() const;

 private:
  friend class PackCacheWriter;
  PackCache(PackCacheOptions options, detail::CacheDirectoryLock lock)
      : options_(std::move(options)),
        lock_(std::move(lock)),
        max_bytes_(options_.max_bytes),
        ttl_minutes_(options_.ttl.count()),
        min_free_bytes_(options_.min_free_bytes) {}

  std::chrono::minutes ttl() const { return std::chrono::minutes(ttl_minutes_.load()); }

  enum class Followed { kShared, kFailed, kLeaderGone, kStalled };
  Followed follow(PackGeneration& generation, PackSink& sink);
  // The entry for key, or nullopt: none, or a name that is not our own regular file (then
  // removed, with a warning).
  std::optional<detail::OwnedFile> open_entry(std::string_view key);
  Served serve_file(const detail::OwnedFile& entry, std::string_view key, PackSink& sink);
  // Counts n more temp-file bytes in flight, evicting entries to make room; false when they
  // do not fit under max_bytes with the other temp files, or the disk would go under
  // min_free_bytes.
  bool reserve(uint64_t n);
  void settle(uint64_t in_flight, bool stored);
  std::unique_ptr<PackCacheWriter> start_locked(std::string_view key);
  // Drops generation from the in-progress table; with temp, first renames temp into place
  // in the same step (false if that fails), so serve() finds the generation or the entry.
  bool finish(std::string_view key, const PackGeneration* generation,
              const std::filesystem::path* temp);

  PackCacheOptions options_;
  detail::CacheDirectoryLock lock_;  // held for the cache's life
  // The limits in force (options_'s until set_limits()): read by every request's thread.
  std::atomic<uint64_t> max_bytes_;
  std::atomic<std::chrono::minutes::rep> ttl_minutes_;
  std::atomic<uint64_t> min_free_bytes_;
  std::mutex evict_mu_;            // one directory scan at a time
  mutable std::mutex flights_mu_;  // flights_, counters_, temp_counter_, byte totals
  uint64_t temp_counter_ = 0;
  uint64_t in_flight_bytes_ = 0;
  uint64_t stored_bytes_ = 0;  // entries' total at the last scan, plus commits since
  std::map<std::string, std::shared_ptr<PackGeneration>, std::less<>> flights_;
  Counters counters_;
};

}  // namespace gitgate::git
