// PackCacheWriter: one entry being written, its bytes counted in flight as they go, its
// followers told of every chunk, and made an entry only once the whole pack checks out.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include "git/cache/pack_cache.h"
#include "git/cache/pack_generation.h"
#include "git/pack/pack_file.h"

namespace gitgate::git {

namespace fs = std::filesystem;
using detail::kChunk;
using detail::mark_used;
using detail::write_all;

PackCacheWriter::PackCacheWriter(PackCache& cache, std::string key, fs::path temp, int fd,
                                 std::shared_ptr<PackGeneration> generation)
    : cache_(cache),
      key_(std::move(key)),
      temp_(std::move(temp)),
      fd_(fd),
      generation_(std::move(generation)) {
  buffer_.reserve(kChunk);
}

PackCacheWriter::~PackCacheWriter() {
  abandon();
  settle(false);
  if (fd_ >= 0) {
    ::close(fd_);
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

size_t PackCacheWriter::followers() const {
  if (!generation_) {
    return 0;
  }
  const std::lock_guard lock(generation_->mu);
  return generation_->followers;
}

void PackCacheWriter::append(std::span<const uint8_t> bytes) {
  if (failed_) {
    return;
  }
  buffer_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  checker_.feed(bytes);
  if (buffer_.size() >= kChunk && !flush(true)) {
    failed_ = true;
    abandon();  // followers must not wait for an entry that will never be complete
  }
}

bool PackCacheWriter::flush(bool publish) {
  if (buffer_.empty()) {
    return true;
  }
  if (!cache_.reserve(buffer_.size())) {
    buffer_.clear();
    return false;
  }
  in_flight_ += buffer_.size();
  const bool ok = write_all(fd_, buffer_);
  if (ok && publish && generation_) {
    {
      const std::lock_guard lock(generation_->mu);
      generation_->written += buffer_.size();
    }
    generation_->changed.notify_all();
  }
  buffer_.clear();
  return ok;
}

void PackCacheWriter::settle(bool stored) {
  if (in_flight_ > 0) {
    cache_.settle(in_flight_, stored);
    in_flight_ = 0;
  }
}

void PackCacheWriter::abandon() {
  failed_ = true;
  if (!generation_) {
    return;
  }
  cache_.finish(key_, generation_.get(), nullptr);
  {
    const std::lock_guard lock(generation_->mu);
    generation_->state = PackGeneration::State::kAbandoned;
  }
  generation_->changed.notify_all();
  generation_.reset();
}

bool PackCacheWriter::commit() {
  // The last bytes reach followers only with the commit, once the whole file is checked.
  if (failed_ || fd_ < 0 || !flush(false)) {
    abandon();
    return false;
  }
  struct stat st {};
  if (!checker_.complete() || ::fstat(fd_, &st) != 0 || ::fsync(fd_) != 0) {
    abandon();
    return false;
  }
  mark_used(fd_);
  if (!cache_.finish(key_, generation_.get(), &temp_)) {
    abandon();
    return false;
  }
  if (generation_) {
    {
      const std::lock_guard lock(generation_->mu);
      generation_->written = static_cast<uint64_t>(st.st_size);
      generation_->state = PackGeneration::State::kCommitted;
    }
    generation_->changed.notify_all();
    generation_.reset();
  }
  ::close(fd_);
  fd_ = -1;
  settle(true);
  // The rename itself is durable only once the directory is synced.
  if (const int dir =
          ::open(cache_.options().directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  cache_.evict();
  return true;
}

bool PackCacheWriter::wait_for_followers(size_t count, std::chrono::milliseconds timeout) {
  if (!generation_) {
    return false;
  }
  std::unique_lock lock(generation_->mu);
  return generation_->changed.wait_for(lock, timeout,
                                       [&] { return generation_->followers >= count; });
}

}  // namespace gitgate::git
