// Request ids and session ids of the access log (docs/DESIGN.md, "Access log format").
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <ctime>
#include <random>
#include <utility>

#include "logging/access_log.h"

namespace gitgate::logging {
namespace {

constexpr size_t kSessionIdLength = 7;
constexpr std::string_view kBase36 = "0123456789abcdefghijklmnopqrstuvwxyz";
// The largest multiple of 36 that fits a byte: bytes at or above it are drawn again, so every
// character is equally likely.
constexpr unsigned kUnbiasedLimit = 256 - 256 % 36;

int minute_of_day(std::chrono::system_clock::time_point now) {
  const std::time_t clock = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&clock, &local);
  return local.tm_hour * 60 + local.tm_min;
}

// getrandom(2) from the kernel's CSPRNG; std::random_device only if that fails (ENOSYS on a very
// old kernel or a seccomp filter), which on glibc reads the same source.
void random_bytes(std::array<unsigned char, 32>& bytes) {
  size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t n = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    filled += static_cast<size_t>(n);
  }
  if (filled < bytes.size()) {
    std::random_device device;
    for (size_t i = filled; i < bytes.size(); ++i) {
      bytes[i] = static_cast<unsigned char>(device());
    }
  }
}

}  // namespace

RequestIds::RequestIds(std::string node, bool clustered)
    : node_(std::move(node)), clustered_(clustered) {}

// COUNTER is the node's request number since start, so the first request is 1 (as in "the 1st
// request"); 0 would read as "no request was counted". CONCURRENT is the number already in flight.
RequestId RequestIds::start(std::chrono::system_clock::time_point now) {
  RequestId id;
  id.node = node_;
  id.clustered = clustered_;
  id.minute_of_day = minute_of_day(now);
  id.counter = counter_.fetch_add(1) + 1;
  id.concurrent = in_flight_.fetch_add(1);
  return id;
}

// Never below zero, even if a caller finishes twice: a wrapped counter would print 2^64-1 forever.
void RequestIds::finish() {
  uint64_t current = in_flight_.load();
  while (current > 0 && !in_flight_.compare_exchange_weak(current, current - 1)) {
  }
}

std::string new_session_id() {
  std::string id;
  while (id.size() < kSessionIdLength) {
    std::array<unsigned char, 32> bytes{};
    random_bytes(bytes);
    for (const unsigned char byte : bytes) {
      if (byte < kUnbiasedLimit && id.size() < kSessionIdLength) {
        id.push_back(kBase36[byte % 36]);
      }
    }
  }
  return id;
}

}  // namespace gitgate::logging
