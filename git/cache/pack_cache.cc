#include "git/cache/pack_cache.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <system_error>
#include <tuple>
#include <vector>

#include "git/cache/pack_generation.h"
#include "git/pack/pack_entry.h"
#include "git/pack/pack_file.h"

namespace gitgate::git {
namespace {

namespace fs = std::filesystem;
using detail::has_pack_header;
using detail::kChunk;
using detail::mark_used;
using detail::open_owned;
using detail::OwnedFile;
using detail::PackChecker;
using detail::read_at;

constexpr size_t kTrailerSize = pack::kPackTrailerSize;  // SHA-1 of everything before it
constexpr std::string_view kEntrySuffix = ".pack";
constexpr std::string_view kTempSuffix = ".tmp";
constexpr mode_t kEntryMode = 0600;

std::optional<uint64_t> statvfs_free(const fs::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

// Removes path only if it is still the file fd was opened from (not a newer entry).
void remove_entry(const fs::path& path, const struct stat& opened) {
  struct stat now {};
  if (::stat(path.c_str(), &now) == 0 && now.st_ino == opened.st_ino &&
      now.st_dev == opened.st_dev) {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
}

bool expired(const struct stat& st, std::chrono::minutes ttl) {
  return ::time(nullptr) - st.st_mtim.tv_sec >= static_cast<time_t>(ttl.count() * 60);
}

// open_owned()'s refusals of a name that is there but not our own regular file (a symlink,
// a FIFO or device, another user's file). Other errors (EMFILE, EIO) say nothing about the
// entry, which stays.
bool not_ours(const std::error_code& error) {
  return error == std::errc::too_many_symbolic_link_levels ||
         error == std::errc::invalid_argument || error == std::errc::operation_not_permitted;
}

// At open, with the directory locked: temp files are leftovers of a crash; an entry that is
// not our own regular file goes (a symlink's name is removed, never its target); entries an
// older gitgate wrote 0644 become 0600.
bool tidy_directory(const fs::path& directory, std::error_code& ec) {
  // increment(ec), not a range-for: operator++ throws when the directory goes away.
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    std::error_code ignored;
    if (path.extension() == kTempSuffix) {
      fs::remove(path, ignored);
      continue;
    }
    if (path.extension() != kEntrySuffix) {
      continue;
    }
    auto opened = open_owned(path, O_RDONLY);
    if (const auto* error = std::get_if<std::error_code>(&opened)) {
      if (!not_ours(*error)) {
        continue;
      }
      spdlog::warn("pack cache: removed {}: not an entry of ours ({})", path.string(),
                   error->message());
      fs::remove(path, ignored);
      continue;
    }
    const OwnedFile& entry = std::get<OwnedFile>(opened);
    if ((entry.st.st_mode & 07777) != kEntryMode) {
      ::fchmod(entry.fd, kEntryMode);
    }
    ::close(entry.fd);
  }
  return !ec;
}

}  // namespace

std::variant<std::unique_ptr<PackCache>, PackCacheError> PackCache::open(PackCacheOptions options) {
  auto claimed = detail::claim_cache_directory(options.directory);
  if (auto* error = std::get_if<detail::CacheDirectoryError>(&claimed)) {
    return PackCacheError{
        error->in_use ? PackCacheError::Kind::kInUse : PackCacheError::Kind::kUnusable,
        std::move(error->message)};
  }
  if (!options.free_space) {
    options.free_space = statvfs_free;
  }
  if (std::error_code ec; !tidy_directory(options.directory, ec)) {
    return PackCacheError{
        PackCacheError::Kind::kUnusable,
        "cannot read the pack cache directory " + options.directory.string() + ": " + ec.message()};
  }
  std::unique_ptr<PackCache> cache(
      new PackCache(std::move(options), std::move(std::get<detail::CacheDirectoryLock>(claimed))));
  cache->evict();
  return cache;
}

fs::path PackCache::entry_path(std::string_view key) const {
  return options_.directory / (std::string(key) + std::string(kEntrySuffix));
}

PackCache::Counters PackCache::counters() const {
  const std::lock_guard lock(flights_mu_);
  return counters_;
}

uint64_t PackCache::in_flight_bytes() const {
  const std::lock_guard lock(flights_mu_);
  return in_flight_bytes_;
}

uint64_t PackCache::stored_bytes() const {
  const std::lock_guard lock(flights_mu_);
  return stored_bytes_;
}

// The free space the file system reports already counts the bytes written to temp files, so
// checking it before every chunk is what counts them against the floor: concurrent
// generations overshoot it by at most one chunk each. max_bytes has no such witness, hence
// the in-flight total.
bool PackCache::reserve(uint64_t n) {
  bool over = false;
  {
    const std::lock_guard lock(flights_mu_);
    const uint64_t max_bytes = max_bytes_.load();
    if (in_flight_bytes_ + n > max_bytes) {
      return false;  // even an empty cache could not hold it
    }
    in_flight_bytes_ += n;
    over = stored_bytes_ + in_flight_bytes_ > max_bytes;
  }
  if (over) {
    evict();
  }
  const auto free = options_.free_space(options_.directory);
  if (!free || *free < min_free_bytes_.load() + n) {
    settle(n, false);
    return false;
  }
  return true;
}

void PackCache::settle(uint64_t in_flight, bool stored) {
  const std::lock_guard lock(flights_mu_);
  in_flight_bytes_ -= in_flight;
  if (stored) {
    stored_bytes_ += in_flight;
  }
}

std::optional<OwnedFile> PackCache::open_entry(std::string_view key) {
  const fs::path path = entry_path(key);
  auto opened = open_owned(path, O_RDONLY);
  if (auto* entry = std::get_if<OwnedFile>(&opened)) {
    return *entry;
  }
  if (const auto error = std::get<std::error_code>(opened); not_ours(error)) {
    spdlog::warn("pack cache: removed {}: not an entry of ours ({})", path.string(),
                 error.message());
    std::error_code ignored;
    fs::remove(path, ignored);
  }
  return std::nullopt;
}

bool PackCache::finish(std::string_view key, const PackGeneration* generation,
                       const fs::path* temp) {
  const std::lock_guard lock(flights_mu_);
  if (temp != nullptr) {
    std::error_code ec;
    fs::rename(*temp, entry_path(key), ec);
    if (ec) {
      return false;
    }
  }
  if (const auto it = flights_.find(key); it != flights_.end() && it->second.get() == generation) {
    flights_.erase(it);
  }
  return true;
}

PackCache::Served PackCache::serve(std::string_view key, PackSink& sink,
                                   std::unique_ptr<PackCacheWriter>* lead) {
  // A few rounds at most: an expired or damaged entry is deleted, or a leader gives up
  // before its first byte, and then this request may lead (or generate without caching).
  for (int round = 0; round < 3; ++round) {
    std::shared_ptr<PackGeneration> generation;
    std::optional<OwnedFile> entry;
    {
      const std::lock_guard lock(flights_mu_);
      if (const auto it = flights_.find(key); it != flights_.end()) {
        generation = it->second;
        {
          const std::lock_guard follow_lock(generation->mu);
          ++generation->followers;
        }
        generation->changed.notify_all();  // for wait_for_followers
      } else if (entry = open_entry(key); !entry) {
        ++counters_.misses;
        if (lead != nullptr) {
          *lead = start_locked(key);
        }
        return Served::kMiss;
      }
    }
    if (entry) {
      if (const Served served = serve_file(*entry, key, sink); served != Served::kMiss) {
        return served;
      }
      continue;
    }
    switch (follow(*generation, sink)) {
      case Followed::kShared: {
        const std::lock_guard lock(flights_mu_);
        ++counters_.shared;
        return Served::kShared;
      }
      case Followed::kFailed:
        return Served::kFailed;
      case Followed::kLeaderGone:
        continue;
      case Followed::kStalled:
        round = 3;  // the leader is still registered: generate without caching
        break;
    }
  }
  const std::lock_guard lock(flights_mu_);
  ++counters_.misses;
  return Served::kMiss;
}

// commit() verified the whole file before it became an entry, and fsynced it, so the
// SHA-1 is checked while streaming (one read of the file) rather than in a pass before
// the first byte (two reads): only bit rot or tampering can make it fail, and then the
// trailer is withheld so the client rejects the short pack. The header is checked first,
// so a file that is no pack at all is never sent a byte of.
PackCache::Served PackCache::serve_file(const OwnedFile& entry, std::string_view key,
                                        PackSink& sink) {
  const fs::path path = entry_path(key);
  const int fd = entry.fd;
  const struct stat& st = entry.st;
  const auto size = static_cast<uint64_t>(st.st_size);
  if (expired(st, ttl()) || !has_pack_header(fd, size)) {
    ::close(fd);
    remove_entry(path, st);
    return Served::kMiss;
  }
  mark_used(fd);
  // The last chunk carries the whole trailer (it may run up to kTrailerSize over kChunk),
  // so the trailer is checked before any byte of it goes out.
  PackChecker checker;
  std::vector<uint8_t> buffer(kChunk + kTrailerSize);
  for (uint64_t offset = 0; offset < size;) {
    const uint64_t left = size - offset;
    const size_t n = left <= kChunk + kTrailerSize ? static_cast<size_t>(left) : kChunk;
    if (!read_at(fd, buffer.data(), n, offset)) {
      ::close(fd);
      return Served::kFailed;
    }
    checker.feed({buffer.data(), n});
    if (n == left && !checker.complete()) {
      ::close(fd);
      sink.pack_data({buffer.data(), n - kTrailerSize});  // the client fails on a short pack
      spdlog::error("pack cache: entry {} does not match its checksum; deleted, request failed",
                    path.string());
      remove_entry(path, st);
      const std::lock_guard lock(flights_mu_);
      ++counters_.corrupt;
      return Served::kFailed;
    }
    if (!sink.pack_data({buffer.data(), n})) {
      ::close(fd);
      return Served::kFailed;
    }
    offset += n;
  }
  ::close(fd);
  const std::lock_guard lock(flights_mu_);
  ++counters_.hits;
  return Served::kSent;
}

// Streams what the leader has written, then waits for more. While the pack is being
// written its last 20 bytes may be the trailer, and only commit() checks it: those are
// held back until the entry is committed, so a follower's client never holds a complete
// pack that the cache rejected.
PackCache::Followed PackCache::follow(PackGeneration& generation, PackSink& sink) {
  std::vector<uint8_t> buffer(kChunk);
  uint64_t sent = 0;
  std::unique_lock lock(generation.mu);
  const auto outcome = [&](Followed followed) {
    --generation.followers;
    return followed;
  };
  for (;;) {
    if (generation.state == PackGeneration::State::kAbandoned) {
      if (sent > 0) {
        spdlog::warn(
            "pack cache: the generation this request followed was abandoned after {} "
            "bytes; request failed",
            sent);
      }
      return outcome(sent == 0 ? Followed::kLeaderGone : Followed::kFailed);
    }
    const bool committed = generation.state == PackGeneration::State::kCommitted;
    const uint64_t limit =
        committed ? generation.written
                  : generation.written - std::min(generation.written, uint64_t{kTrailerSize});
    if (sent < limit) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, limit - sent));
      lock.unlock();
      const bool read = read_at(generation.fd, buffer.data(), n, sent);
      const bool ok = read && sink.pack_data({buffer.data(), n});
      lock.lock();
      if (!ok) {
        // Nothing sent and unreadable: this request can still generate its own pack.
        return outcome(!read && sent == 0 ? Followed::kStalled : Followed::kFailed);
      }
      sent += n;
      continue;
    }
    if (committed) {
      return outcome(Followed::kShared);
    }
    const uint64_t seen = generation.written;
    if (!generation.changed.wait_for(lock, options_.follow_stall, [&] {
          return generation.state != PackGeneration::State::kWriting || generation.written != seen;
        })) {
      spdlog::warn("pack cache: the generation this request followed stalled after {} bytes", sent);
      return outcome(sent == 0 ? Followed::kStalled : Followed::kFailed);
    }
  }
}

std::unique_ptr<PackCacheWriter> PackCache::start(std::string_view key) {
  const std::lock_guard lock(flights_mu_);
  if (flights_.contains(key)) {
    return nullptr;
  }
  return start_locked(key);
}

std::unique_ptr<PackCacheWriter> PackCache::start_locked(std::string_view key) {
  const auto free = options_.free_space(options_.directory);
  if (!free || *free < min_free_bytes_.load()) {
    return nullptr;
  }
  const uint64_t n = ++temp_counter_;  // flights_mu_ is held
  fs::path temp = options_.directory / (std::string(key) + "." + std::to_string(::getpid()) + "." +
                                        std::to_string(n) + std::string(kTempSuffix));
  auto created = open_owned(temp, O_RDWR | O_CREAT | O_EXCL, kEntryMode);
  if (!std::holds_alternative<OwnedFile>(created)) {
    return nullptr;
  }
  const int fd = std::get<OwnedFile>(created).fd;
  const int read_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (read_fd < 0) {
    ::close(fd);
    std::error_code ignored;
    fs::remove(temp, ignored);
    return nullptr;
  }
  auto generation = std::make_shared<PackGeneration>(read_fd);
  flights_.emplace(std::string(key), generation);
  return std::make_unique<PackCacheWriter>(*this, std::string(key), std::move(temp), fd,
                                           std::move(generation));
}

void PackCache::evict() {
  const std::lock_guard lock(evict_mu_);
  struct Entry {
    timespec used;
    uint64_t size;
    fs::path path;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(options_.directory, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    struct stat st {};
    if (path.extension() != kEntrySuffix || ::lstat(path.c_str(), &st) != 0) {
      continue;
    }
    std::error_code ignored;
    // Not ours (a symlink, another user's file): never served, so it need not stay.
    if (expired(st, ttl()) || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
      fs::remove(path, ignored);
      continue;
    }
    entries.push_back({st.st_atim, static_cast<uint64_t>(st.st_size), path});
    total += static_cast<uint64_t>(st.st_size);
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.used.tv_sec, a.used.tv_nsec) < std::tie(b.used.tv_sec, b.used.tv_nsec);
  });
  // Room for the temp files being written, too: they become entries soon.
  const uint64_t in_flight = in_flight_bytes();
  const uint64_t max_bytes = max_bytes_.load();
  const uint64_t limit = max_bytes - std::min(max_bytes, in_flight);
  for (const Entry& entry : entries) {
    if (total <= limit) {
      break;
    }
    std::error_code ignored;
    fs::remove(entry.path, ignored);
    total -= entry.size;
  }
  const std::lock_guard totals_lock(flights_mu_);
  stored_bytes_ = total;
}

}  // namespace gitgate::git
