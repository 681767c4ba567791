#include "git/pack/pack_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "git/pack/pack_entry.h"

namespace gitgate::git::detail {
namespace {

using pack::kPackHeaderSize;
using pack::kPackTrailerSize;

// gitformat-pack's header: "PACK", version 2 or 3 (4 bytes), then the object count.
bool valid_header(const uint8_t* header) {
  return std::memcmp(header, "PACK", 4) == 0 && header[4] == 0 && header[5] == 0 &&
         header[6] == 0 && (header[7] == 2 || header[7] == 3);
}

std::error_code last_error() { return {errno, std::generic_category()}; }

// fd is our own regular file (st: its stat), now in blocking mode.
std::error_code check_owned(int fd, struct stat& st) {
  if (::fstat(fd, &st) != 0) {
    return last_error();
  }
  if (!S_ISREG(st.st_mode)) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  if (st.st_uid != ::geteuid()) {
    return std::make_error_code(std::errc::operation_not_permitted);
  }
  const int status = ::fcntl(fd, F_GETFL);
  if (status < 0 || ::fcntl(fd, F_SETFL, status & ~O_NONBLOCK) != 0) {
    return last_error();
  }
  return {};
}

}  // namespace

// The cache directory is ours alone (mode 0700), so these checks stop what got in anyway:
// an entry a root-run tool left, a symlink planted to make us serve or overwrite another
// file, a FIFO that would block the open forever.
std::variant<OwnedFile, std::error_code> open_owned(const std::filesystem::path& path, int flags,
                                                    mode_t mode) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    return last_error();
  }
  OwnedFile file{fd, {}};
  const std::error_code error = check_owned(fd, file.st);
  if (error) {
    ::close(fd);
    return error;
  }
  return file;
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

// Entries expire by modification time (when the entry was written), so only atime moves.
void mark_used(int fd) {
  const std::array<timespec, 2> times{timespec{0, UTIME_NOW}, timespec{0, UTIME_OMIT}};
  ::futimens(fd, times.data());
}

bool has_pack_header(int fd, uint64_t size) {
  std::array<uint8_t, kPackHeaderSize> header{};
  return size >= kPackHeaderSize + kPackTrailerSize &&
         read_at(fd, header.data(), header.size(), 0) && valid_header(header.data());
}

void PackChecker::feed(std::span<const uint8_t> bytes) {
  size_ += bytes.size();
  const size_t head =
      std::min(bytes.size(), kPackHeaderSize - std::min(head_.size(), kPackHeaderSize));
  head_.insert(head_.end(), bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(head));
  // Hash all but the last kPackTrailerSize bytes of tail_ + bytes.
  if (bytes.size() >= kPackTrailerSize) {
    sha1_.update(tail_.data(), tail_.size());
    const size_t body = bytes.size() - kPackTrailerSize;
    sha1_.update(bytes.data(), body);
    tail_.assign(bytes.begin() + static_cast<ptrdiff_t>(body), bytes.end());
    return;
  }
  tail_.insert(tail_.end(), bytes.begin(), bytes.end());
  if (tail_.size() > kPackTrailerSize) {
    const size_t spill = tail_.size() - kPackTrailerSize;
    sha1_.update(tail_.data(), spill);
    tail_.erase(tail_.begin(), tail_.begin() + static_cast<ptrdiff_t>(spill));
  }
}

bool PackChecker::complete() {
  const auto digest = sha1_.finish();
  return size_ >= kPackHeaderSize + kPackTrailerSize && valid_header(head_.data()) && digest &&
         *digest == tail_;
}

}  // namespace gitgate::git::detail
