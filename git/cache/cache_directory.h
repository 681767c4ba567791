// The pack cache's directory, kept like a secret store (its entries are packs of private
// repositories): mode 0700 and owned by the effective user, used by one process at a time,
// which holds an exclusive flock(2) on kLockFileName inside it for as long as it uses it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

namespace gitgate::git::detail {

constexpr std::string_view kLockFileName = "gitgate.lock";

// Holds the directory's lock until destroyed.
class CacheDirectoryLock {
 public:
  explicit CacheDirectoryLock(int fd) : fd_(fd) {}
  ~CacheDirectoryLock();
  CacheDirectoryLock(CacheDirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  CacheDirectoryLock& operator=(CacheDirectoryLock&&) = delete;
  CacheDirectoryLock(const CacheDirectoryLock&) = delete;
  CacheDirectoryLock& operator=(const CacheDirectoryLock&) = delete;

 private:
  int fd_;
};

struct CacheDirectoryError {
  bool in_use = false;  // another process holds the lock; otherwise the directory is unusable
  std::string message;  // names the directory (and the holder's pid when it is known)
};

// Creates directory with mode 0700, or brings an existing one of ours to 0700 (with a
// warning naming the mode it had), then takes the lock, writing our pid into the lock file.
// Refuses a directory owned by another user, or a lock file that is not our regular file.
[[nodiscard]] std::variant<CacheDirectoryLock, CacheDirectoryError> claim_cache_directory(
    const std::filesystem::path& directory);

}  // namespace gitgate::git::detail
