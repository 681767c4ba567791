#include "git/receive/detail/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gitgate::git::detail {
namespace {

constexpr size_t kBufferSize = size_t{64} << 10;

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path path)
    : path_(std::move(path)), temp_((path_.parent_path() / "tmp_gitgate_XXXXXX").string()) {
  fd_ = mkstemp(temp_.data());
  if (fd_ < 0) {
    error_ = "cannot create a file in " + path_.parent_path().string() + ": " + strerror(errno);
  }
  buffer_.reserve(kBufferSize);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    close(fd_);
    unlink(temp_.c_str());
  }
}

bool AtomicFile::flush() {
  size_t written = 0;
  while (error_.empty() && written < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      error_ = "cannot write " + temp_ + ": " + strerror(errno);
    } else {
      written += static_cast<size_t>(n);
    }
  }
  buffer_.clear();
  return error_.empty();
}

bool AtomicFile::write(std::span<const uint8_t> bytes) {
  if (!error_.empty()) {
    return false;
  }
  if (buffer_.size() + bytes.size() > kBufferSize && !flush()) {
    return false;
  }
  if (bytes.size() >= kBufferSize) {
    buffer_.assign(bytes.begin(), bytes.end());
    return flush();
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  return true;
}

std::string AtomicFile::commit() {
  if (!error_.empty() || !flush()) {
    return error_;
  }
  const bool chmod_ok = fchmod(fd_, 0444) == 0;
  const bool close_ok = close(fd_) == 0;
  fd_ = -1;
  if (!chmod_ok || !close_ok || rename(temp_.c_str(), path_.c_str()) != 0) {
    error_ = "cannot write " + path_.string() + ": " + strerror(errno);
    unlink(temp_.c_str());
  }
  return error_;
}

std::string write_file_atomically(const std::filesystem::path& path,
                                  std::span<const uint8_t> bytes) {
  AtomicFile file(path);
  file.write(bytes);
  return file.commit();
}

}  // namespace gitgate::git::detail
