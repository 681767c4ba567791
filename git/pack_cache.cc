#include "git/pack_cache.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>
#include <tuple>
#include <vector>

namespace gitgate::git {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = size_t{64} << 10;  // what a hit hands to the sink at a time
constexpr size_t kHeaderSize = 12;           // "PACK", version, object count
constexpr size_t kTrailerSize = 20;          // SHA-1 of everything before it
constexpr std::string_view kEntrySuffix = ".pack";
constexpr std::string_view kTempSuffix = ".tmp";

std::optional<uint64_t> statvfs_free(const fs::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

bool read_at(int fd, uint8_t* data, size_t size, uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// gitformat-pack: "PACK", version 2 or 3, the object count, the entries, then the SHA-1 of
// all of that. A file that is short, cut off or altered fails here and is never served.
bool is_complete_pack(int fd, uint64_t size) {
  if (size < kHeaderSize + kTrailerSize) {
    return false;
  }
  std::array<uint8_t, kHeaderSize> header{};
  if (!read_at(fd, header.data(), header.size(), 0) || std::memcmp(header.data(), "PACK", 4) != 0 ||
      header[4] != 0 || header[5] != 0 || header[6] != 0 || (header[7] != 2 && header[7] != 3)) {
    return false;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    return false;
  }
  std::vector<uint8_t> buffer(kChunk);
  const uint64_t body = size - kTrailerSize;
  bool ok = true;
  for (uint64_t offset = 0; ok && offset < body;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, body - offset));
    ok = read_at(fd, buffer.data(), n, offset) && EVP_DigestUpdate(ctx, buffer.data(), n) == 1;
    offset += n;
  }
  std::array<uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned digest_size = 0;
  std::array<uint8_t, kTrailerSize> trailer{};
  ok = ok && EVP_DigestFinal_ex(ctx, digest.data(), &digest_size) == 1 &&
       digest_size == kTrailerSize && read_at(fd, trailer.data(), trailer.size(), body) &&
       std::memcmp(digest.data(), trailer.data(), kTrailerSize) == 0;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// Entries are LRU by access time (set explicitly on every hit, whatever the mount's
// atime policy) and expire by modification time (when the entry was written).
void mark_used(int fd) {
  const std::array<timespec, 2> times{timespec{0, UTIME_NOW}, timespec{0, UTIME_OMIT}};
  ::futimens(fd, times.data());
}

bool expired(const struct stat& st, std::chrono::minutes ttl) {
  return ::time(nullptr) - st.st_mtim.tv_sec >= static_cast<time_t>(ttl.count() * 60);
}

}  // namespace

PackCacheWriter::PackCacheWriter(PackCache& cache, std::string key, fs::path temp, int fd)
    : cache_(cache), key_(std::move(key)), temp_(std::move(temp)), fd_(fd) {
  buffer_.reserve(kChunk);
}

PackCacheWriter::~PackCacheWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void PackCacheWriter::append(std::span<const uint8_t> bytes) {
  if (failed_) {
    return;
  }
  buffer_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (buffer_.size() >= kChunk) {
    failed_ = !flush();
  }
}

bool PackCacheWriter::flush() {
  const bool ok = write_all(fd_, buffer_);
  buffer_.clear();
  return ok;
}

bool PackCacheWriter::commit() {
  if (failed_ || fd_ < 0 || !flush()) {
    return false;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !is_complete_pack(fd_, static_cast<uint64_t>(st.st_size)) ||
      ::fsync(fd_) != 0) {
    return false;
  }
  mark_used(fd_);
  std::error_code ec;
  fs::rename(temp_, cache_.entry_path(key_), ec);
  if (ec) {
    return false;
  }
  ::close(fd_);
  fd_ = -1;
  // The rename itself is durable only once the directory is synced.
  if (const int dir = ::open(cache_.options().directory.c_str(), O_RDONLY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  cache_.evict();
  return true;
}

std::variant<std::unique_ptr<PackCache>, std::string> PackCache::open(PackCacheOptions options) {
  std::error_code ec;
  fs::create_directories(options.directory, ec);
  if (ec) {
    return "cannot create the pack cache directory " + options.directory.string() + ": " +
           ec.message();
  }
  if (!options.free_space) {
    options.free_space = statvfs_free;
  }
  for (const auto& item : fs::directory_iterator(options.directory, ec)) {
    if (item.path().extension() == kTempSuffix) {
      std::error_code ignored;
      fs::remove(item.path(), ignored);
    }
  }
  if (ec) {
    return "cannot read the pack cache directory " + options.directory.string() + ": " +
           ec.message();
  }
  std::unique_ptr<PackCache> cache(new PackCache(std::move(options)));
  cache->evict();
  return cache;
}

fs::path PackCache::entry_path(std::string_view key) const {
  return options_.directory / (std::string(key) + std::string(kEntrySuffix));
}

PackCache::Served PackCache::serve(std::string_view key, PackSink& sink) {
  const fs::path path = entry_path(key);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Served::kMiss;
  }
  struct stat st {};
  const bool usable = ::fstat(fd, &st) == 0 && !expired(st, options_.ttl) &&
                      is_complete_pack(fd, static_cast<uint64_t>(st.st_size));
  if (!usable) {
    ::close(fd);
    std::error_code ec;
    fs::remove(path, ec);
    return Served::kMiss;
  }
  mark_used(fd);
  std::vector<uint8_t> buffer(kChunk);
  const auto size = static_cast<uint64_t>(st.st_size);
  bool ok = true;
  for (uint64_t offset = 0; ok && offset < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, size - offset));
    ok = read_at(fd, buffer.data(), n, offset) && sink.pack_data({buffer.data(), n});
    offset += n;
  }
  ::close(fd);
  return ok ? Served::kSent : Served::kFailed;
}

std::unique_ptr<PackCacheWriter> PackCache::start(std::string_view key) {
  const auto free = options_.free_space(options_.directory);
  if (!free || *free < options_.min_free_bytes) {
    return nullptr;
  }
  uint64_t n = 0;
  {
    const std::lock_guard lock(counter_mu_);
    n = ++temp_counter_;
  }
  fs::path temp = options_.directory / (std::string(key) + "." + std::to_string(::getpid()) + "." +
                                        std::to_string(n) + std::string(kTempSuffix));
  const int fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return nullptr;
  }
  return std::make_unique<PackCacheWriter>(*this, std::string(key), std::move(temp), fd);
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
  for (const auto& item : fs::directory_iterator(options_.directory, ec)) {
    struct stat st {};
    if (item.path().extension() != kEntrySuffix || ::stat(item.path().c_str(), &st) != 0) {
      continue;
    }
    std::error_code ignored;
    if (expired(st, options_.ttl)) {
      fs::remove(item.path(), ignored);
      continue;
    }
    entries.push_back({st.st_atim, static_cast<uint64_t>(st.st_size), item.path()});
    total += static_cast<uint64_t>(st.st_size);
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.used.tv_sec, a.used.tv_nsec) < std::tie(b.used.tv_sec, b.used.tv_nsec);
  });
  for (const Entry& entry : entries) {
    if (total <= options_.max_bytes) {
      break;
    }
    std::error_code ignored;
    fs::remove(entry.path, ignored);
    total -= entry.size;
  }
}

}  // namespace gitgate::git
