#include "git/cache/cache_directory.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <optional>
#include <string>
#include <system_error>

#include "git/pack/pack_file.h"

namespace gitgate::git::detail {
namespace {

namespace fs = std::filesystem;

constexpr mode_t kDirectoryMode = 0700;
constexpr mode_t kLockFileMode = 0600;

std::string errno_text() { return std::error_code(errno, std::generic_category()).message(); }

CacheDirectoryError unusable(std::string message) { return {false, std::move(message)}; }

// Like OpenSSH with a private key file, except that a directory of ours is fixed rather than
// refused: the cache is disposable and only gitgate writes it, so tightening the mode cannot
// break anyone, while refusing would turn an upgrade from a release that created it 0755
// into a server without a cache. Another user's directory is refused: its owner can read the
// packs whatever mode we set, and could swap entries under us.
std::optional<CacheDirectoryError> secure_directory(const fs::path& directory, bool created) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return unusable("cannot open the pack cache directory " + directory.string() + ": " +
                    errno_text());
  }
  std::optional<CacheDirectoryError> error;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = unusable("cannot stat the pack cache directory " + directory.string() + ": " +
                     errno_text());
  } else if (st.st_uid != ::geteuid()) {
    error = unusable(fmt::format(
        "the pack cache directory {} is owned by uid {}, not by uid {} that gitgate runs as; it "
        "holds packs of private repositories and must be gitgate's own",
        directory.string(), st.st_uid, ::geteuid()));
  } else if ((st.st_mode & 07777) != kDirectoryMode) {
    if (::fchmod(fd, kDirectoryMode) != 0) {
      error = unusable("cannot set mode 0700 on the pack cache directory " + directory.string() +
                       ": " + errno_text());
    } else if (!created) {
      spdlog::warn(
          "pack cache directory {} had mode {:04o}; set to 0700 (it holds packs of private "
          "repositories)",
          directory.string(), st.st_mode & 07777);
    }
  }
  ::close(fd);
  return error;
}

// The pid the holder wrote into the lock file, if it did already.
std::optional<long> holder_pid(int fd) {
  std::array<char, 32> text{};
  const ssize_t n = ::pread(fd, text.data(), text.size(), 0);
  long pid = 0;
  if (n <= 0 || std::from_chars(text.data(), text.data() + n, pid).ec != std::errc{} || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

std::variant<CacheDirectoryLock, CacheDirectoryError> lock_directory(const fs::path& directory) {
  const fs::path path = directory / kLockFileName;
  auto opened = open_owned(path, O_RDWR | O_CREAT, kLockFileMode);
  if (const auto* error = std::get_if<std::error_code>(&opened)) {
    return unusable("cannot open the pack cache lock file " + path.string() + ": " +
                    error->message());
  }
  const int fd = std::get<OwnedFile>(opened).fd;
  int status = 0;
  do {
    status = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (status != 0 && errno == EINTR);
  if (status != 0) {
    const int error = errno;
    const auto pid = error == EWOULDBLOCK ? holder_pid(fd) : std::nullopt;
    ::close(fd);
    if (error != EWOULDBLOCK) {
      return unusable("cannot lock " + path.string() + ": " +
                      std::error_code(error, std::generic_category()).message());
    }
    return CacheDirectoryError{
        true, fmt::format("pack cache directory {} is in use by another gitgate ({} holds {}); "
                          "give each gitgate its own cache directory",
                          directory.string(), pid ? "pid " + std::to_string(*pid) : "a process",
                          path.string())};
  }
  // For the message of the next gitgate that tries. The lock, not the pid, is what counts:
  // a stale pid from a crash is overwritten here, and a crash releases the lock.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    spdlog::warn("pack cache: cannot write the pid into {}: {}", path.string(), errno_text());
  }
  return CacheDirectoryLock(fd);
}

}  // namespace

CacheDirectoryLock::~CacheDirectoryLock() {
  if (fd_ >= 0) {
    ::close(fd_);  // releases the flock
  }
}

std::variant<CacheDirectoryLock, CacheDirectoryError> claim_cache_directory(
    const fs::path& directory) {
  std::error_code ec;
  const bool created = fs::create_directories(directory, ec);
  if (ec) {
    return unusable("cannot create the pack cache directory " + directory.string() + ": " +
                    ec.message());
  }
  if (auto error = secure_directory(directory, created)) {
    return std::move(*error);
  }
  return lock_directory(directory);
}

}  // namespace gitgate::git::detail
