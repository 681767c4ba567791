// One pack being written into the pack cache, as its writer and its followers share it.
#pragma once

#include <unistd.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace gitgate::git {
namespace detail {

// What a hit hands to the sink at a time, and what a writer buffers before writing.
constexpr size_t kChunk = size_t{64} << 10;

}  // namespace detail

// Shared by the writer and its followers. A follower reads through its own descriptor,
// which stays valid whatever happens to the temp file's name (renamed or removed).
struct PackGeneration {
  enum class State { kWriting, kCommitted, kAbandoned };

  explicit PackGeneration(int read_fd) : fd(read_fd) {}
  ~PackGeneration() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  PackGeneration(const PackGeneration&) = delete;
  PackGeneration& operator=(const PackGeneration&) = delete;

  const int fd;
  std::mutex mu;
  std::condition_variable changed;  // written or state changed
  uint64_t written = 0;             // bytes in the file so far
  State state = State::kWriting;
  size_t followers = 0;
};

}  // namespace gitgate::git
