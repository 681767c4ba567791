// A cache of whole packs for identical upload-pack requests (CI fleets cloning the same
// repository many times an hour), like Bitbucket's SCM cache. An entry holds the raw pack
// bytes (side-band framing is applied when streaming out), is written to a temp file while
// the first request streams its pack, and becomes visible only once the pack is complete
// and its trailing SHA-1 checks out. Only this process may use the directory: temp files
// found at start are leftovers of a crash and are removed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "git/pack_writer.h"

namespace gitgate::git {

struct PackCacheOptions {
  std::filesystem::path directory;
  uint64_t max_bytes = uint64_t{2048} << 20;       // total of all entries; LRU eviction above
  std::chrono::minutes ttl{60};                    // older entries are neither served nor kept
  uint64_t min_free_bytes = uint64_t{1024} << 20;  // below this free space: stream, don't cache
  // Free bytes on the file system holding directory (statvfs when empty); nullopt when
  // unknown, and then nothing is cached. Tests inject their own.
  std::function<std::optional<uint64_t>(const std::filesystem::path&)> free_space;
};

class PackCache;

// One entry being written. Dropped without a successful commit(), it leaves nothing.
class PackCacheWriter {
 public:
  PackCacheWriter(PackCache& cache, std::string key, std::filesystem::path temp, int fd);
  ~PackCacheWriter();
  PackCacheWriter(const PackCacheWriter&) = delete;
  PackCacheWriter& operator=(const PackCacheWriter&) = delete;

  // A write error (full disk) only marks the entry failed: the client's pack goes on.
  void append(std::span<const uint8_t> bytes);
  // Checks the pack's trailer, fsyncs and renames the entry into place, then evicts
  // down to max_bytes. False (and nothing cached) when anything failed.
  bool commit();

 private:
  bool flush();

  PackCache& cache_;
  std::string key_;
  std::filesystem::path temp_;
  int fd_ = -1;
  std::string buffer_;
  bool failed_ = false;
};

class PackCache {
 public:
  // Creates the directory and removes leftover temp files; the error text otherwise.
  static std::variant<std::unique_ptr<PackCache>, std::string> open(PackCacheOptions options);

  enum class Served { kMiss, kSent, kFailed };
  // Streams the entry for key into sink in 64 KiB chunks when there is one that is fresh
  // and whose trailing SHA-1 matches its contents (checked before the first byte goes
  // out). Expired or corrupt entries are deleted and count as a miss. kFailed: the
  // client went away (or the file could not be read) after bytes went out.
  Served serve(std::string_view key, PackSink& sink);

  // A writer for a new entry, or nullptr when the free-space floor (or an error) says
  // the pack is streamed without caching.
  std::unique_ptr<PackCacheWriter> start(std::string_view key);

  // Deletes expired entries, then the least recently used until the total fits.
  void evict();

  std::filesystem::path entry_path(std::string_view key) const;
  const PackCacheOptions& options() const { return options_; }

 private:
  explicit PackCache(PackCacheOptions options) : options_(std::move(options)) {}

  PackCacheOptions options_;
  std::mutex evict_mu_;  // one directory scan at a time
  uint64_t temp_counter_ = 0;
  std::mutex counter_mu_;
};

}  // namespace gitgate::git
