// The second pass, as git's index-pack threaded_second_pass: each delta is resolved from
// its base (an OFS_DELTA's entry, a REF_DELTA's named object), depth first from every
// whole object that is a base, bases shared out among threads. A chain's bases stay in
// memory only while their other children wait.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "git/push_settings.h"
#include "git/receive/detail/delta.h"
#include "git/receive/detail/pack_scan.h"

namespace gitgate::git::detail {

class DeltaResolver {
 public:
  using Progress = std::function<void(uint32_t resolved, uint32_t total)>;
  // pack: the bytes scanned into `scanned`, whose delta entries get their ids and types.
  // progress (may be empty) is called serialised, with growing counts. fd: the same pack
  // as a file, read with pread instead of through pack (whose pages would then stay
  // resident), or -1.
  DeltaResolver(std::span<const uint8_t> pack, ScannedPack& scanned, const PushSettings& limits,
                Progress progress, int fd = -1);
  ~DeltaResolver();
  DeltaResolver(const DeltaResolver&) = delete;
  DeltaResolver& operator=(const DeltaResolver&) = delete;

  // Every delta whose chain reaches a whole object in the pack, on `threads` threads.
  // An empty string, or the first error.
  std::string resolve_in_pack(unsigned threads);
  // The deltas under an object from outside the pack (a thin pack's base), here.
  std::string resolve_from_base(unsigned type, std::span<const uint8_t> data, const Oid& oid);

  [[nodiscard]] uint32_t resolved() const { return resolved_.load(); }
  [[nodiscard]] bool is_resolved(uint32_t entry) const { return done_[entry].load(); }
  // Calls progress with the final count if it has not been told it.
  void report();

 private:
  struct Worker;
  struct Frame;
  std::string resolve_tree(Worker& worker, Frame root);
  std::string resolve_child(Worker& worker, const Frame& parent, uint32_t child,
                            ObjectBuffer& result);
  // Entry i's zlib data: from pack_, or read into the worker's buffer.
  std::string packed_data(Worker& worker, uint32_t entry, std::span<const uint8_t>& out) const;
  Frame frame_for(uint32_t entry, ObjectBuffer data, uint8_t type, const Oid& oid) const;
  void count_one();
  void fail(std::string reason);

  std::span<const uint8_t> pack_;
  int fd_;
  ScannedPack& scanned_;
  const PushSettings& limits_;
  Progress progress_;
  // OFS_DELTA children of entry i: ofs_children_[ofs_first_[i] .. ofs_first_[i + 1]).
  std::vector<uint32_t> ofs_first_;
  std::vector<uint32_t> ofs_children_;
  std::unique_ptr<std::atomic<bool>[]> done_;
  std::atomic<uint32_t> resolved_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;  // error_, reported_ and the calls to progress_
  std::string error_;
  uint32_t reported_ = 0;
  std::unique_ptr<Worker> serial_;  // resolve_from_base's
};

}  // namespace gitgate::git::detail
