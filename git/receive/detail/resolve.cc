#include "git/receive/detail/resolve.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

namespace gitgate::git::detail {

// One thread's zlib, SHA-1 and delta buffer, reused from one object to the next.
struct DeltaResolver::Worker {
  Inflater inflater;
  ObjectHasher hasher;
  std::vector<uint8_t> delta;
  std::vector<uint8_t> packed;  // an entry's zlib data, when read with pread
};

// An object whose children are being resolved: its bytes and the children left.
struct DeltaResolver::Frame {
  ObjectBuffer data;
  uint8_t type = 0;
  uint32_t ofs_next = 0, ofs_end = 0;  // into ofs_children_
  size_t ref_next = 0, ref_end = 0;    // into scanned_.ref_deltas
  [[nodiscard]] bool has_children() const { return ofs_next < ofs_end || ref_next < ref_end; }
};

DeltaResolver::DeltaResolver(std::span<const uint8_t> pack, ScannedPack& scanned,
                             const PushSettings& limits, Progress progress, int fd)
    : pack_(pack),
      fd_(fd),
      scanned_(scanned),
      limits_(limits),
      progress_(std::move(progress)),
      done_(std::make_unique<std::atomic<bool>[]>(scanned.entries.size())),
      serial_(std::make_unique<Worker>()) {
  const auto& entries = scanned_.entries;
  ofs_first_.assign(entries.size() + 1, 0);
  for (const IndexEntry& e : entries) {
    if (e.type == 6) {
      ++ofs_first_[e.base + 1];
    }
  }
  for (size_t i = 1; i < ofs_first_.size(); ++i) {
    ofs_first_[i] += ofs_first_[i - 1];
  }
  ofs_children_.resize(ofs_first_.back());
  std::vector<uint32_t> fill(ofs_first_.begin(), ofs_first_.end() - 1);
  for (uint32_t i = 0; i < entries.size(); ++i) {
    if (entries[i].type == 6) {
      ofs_children_[fill[entries[i].base]++] = i;
    }
  }
}

DeltaResolver::~DeltaResolver() = default;

std::string DeltaResolver::packed_data(Worker& worker, uint32_t entry,
                                       std::span<const uint8_t>& out) const {
  const uint64_t start = data_start(scanned_.entries[entry]);
  const uint64_t length = entry_end(scanned_, entry) - start;
  if (fd_ < 0) {
    out = pack_.subspan(start, length);
    return {};
  }
  worker.packed.resize(length);
  for (size_t done = 0; done < length;) {
    const ssize_t n =
        pread(fd_, worker.packed.data() + done, length - done, static_cast<off_t>(start + done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return "cannot be read again";
    }
    done += static_cast<size_t>(n);
  }
  out = worker.packed;
  return {};
}

DeltaResolver::Frame DeltaResolver::frame_for(uint32_t entry, ObjectBuffer data, uint8_t type,
                                              const Oid& oid) const {
  Frame frame;
  frame.data = std::move(data);
  frame.type = type;
  if (entry < scanned_.entries.size() && entry + 1 < ofs_first_.size()) {
    frame.ofs_next = ofs_first_[entry];
    frame.ofs_end = ofs_first_[entry + 1];
  }
  const auto& refs = scanned_.ref_deltas;
  const auto first = std::lower_bound(refs.begin(), refs.end(), RefDelta{oid, 0});
  auto last = first;
  while (last != refs.end() && last->base == oid) {
    ++last;
  }
  frame.ref_next = static_cast<size_t>(first - refs.begin());
  frame.ref_end = static_cast<size_t>(last - refs.begin());
  return frame;
}

void DeltaResolver::fail(std::string reason) {
  const std::lock_guard lock(mutex_);
  if (error_.empty()) {
    error_ = std::move(reason);
  }
  stop_ = true;
}

void DeltaResolver::count_one() {
  const uint32_t n = ++resolved_;
  // Told every 64 deltas: often enough for a progress line, rarely enough not to queue
  // threads on the lock.
  if (progress_ && (n % 64 == 0 || n == scanned_.deltas)) {
    const std::lock_guard lock(mutex_);
    if (n > reported_) {
      reported_ = n;
      progress_(n, scanned_.deltas);
    }
  }
}

void DeltaResolver::report() {
  const std::lock_guard lock(mutex_);
  const uint32_t n = resolved_.load();
  if (progress_ && n > reported_) {
    reported_ = n;
    progress_(n, scanned_.deltas);
  }
}

std::string DeltaResolver::resolve_child(Worker& worker, const Frame& parent, uint32_t child,
                                         ObjectBuffer& result) {
  IndexEntry& e = scanned_.entries[child];
  std::span<const uint8_t> delta(e.delta_data, e.size);
  std::string error;
  if (e.delta_data == nullptr) {
    std::span<const uint8_t> in;
    error = packed_data(worker, child, in);
    if (!error.empty()) {
      return error;
    }
    worker.delta.resize(e.size);
    size_t consumed = 0;
    error = worker.inflater.inflate_exact(in, worker.delta, consumed);
    if (!error.empty()) {
      return error;
    }
    delta = worker.delta;
  }
  auto sizes = parse_delta_sizes(delta);
  if (auto* bad = std::get_if<std::string>(&sizes)) {
    return std::move(*bad);
  }
  const auto& s = std::get<DeltaSizes>(sizes);
  if (s.result > limits_.max_object_bytes) {
    return fmt::format("yields {} bytes, more than max_object_bytes ({})", s.result,
                       limits_.max_object_bytes);
  }
  result = ObjectBuffer(s.result);
  error = apply_delta(parent.data.view(), delta, s, result.data());
  if (!error.empty()) {
    return error;
  }
  error = worker.hasher.hash(parent.type, result.view(), e.oid);
  if (!error.empty()) {
    return error;
  }
  e.real_type = parent.type;
  return {};
}

// Depth first; the last child of a frame replaces it, so a plain chain holds one base.
std::string DeltaResolver::resolve_tree(Worker& worker, Frame root) {
  std::vector<Frame> stack;
  stack.push_back(std::move(root));
  while (!stack.empty() && !stop_) {
    Frame& top = stack.back();
    if (!top.has_children()) {
      stack.pop_back();
      continue;
    }
    const uint32_t child = top.ofs_next < top.ofs_end ? ofs_children_[top.ofs_next++]
                                                      : scanned_.ref_deltas[top.ref_next++].entry;
    // A REF_DELTA's base may be in the pack twice; its children are resolved once.
    if (done_[child].exchange(true)) {
      continue;
    }
    ObjectBuffer result;
    if (std::string error = resolve_child(worker, top, child, result); !error.empty()) {
      return fmt::format("delta at offset {} {}", scanned_.entries[child].offset, error);
    }
    count_one();
    const uint8_t type = top.type;
    if (!top.has_children()) {
      stack.pop_back();  // top is gone from here on
    }
    Frame next = frame_for(child, std::move(result), type, scanned_.entries[child].oid);
    if (next.has_children()) {
      stack.push_back(std::move(next));
    }
  }
  return {};
}

std::string DeltaResolver::resolve_in_pack(unsigned threads) {
  // The bases: whole objects with a child of either kind.
  std::vector<uint32_t> roots;
  const auto& entries = scanned_.entries;
  for (uint32_t i = 0; i < entries.size(); ++i) {
    if (entries[i].type >= 6) {
      continue;
    }
    const bool has_ofs = ofs_first_[i] != ofs_first_[i + 1];
    if (has_ofs ||
        std::binary_search(scanned_.ref_deltas.begin(), scanned_.ref_deltas.end(),
                           RefDelta{entries[i].oid, 0},
                           [](const RefDelta& a, const RefDelta& b) { return a.base < b.base; })) {
      roots.push_back(i);
    }
  }
  std::atomic<size_t> next{0};
  const auto work = [&] {
    Worker worker;
    for (size_t r = next++; r < roots.size() && !stop_; r = next++) {
      const uint32_t i = roots[r];
      const IndexEntry& e = entries[i];
      ObjectBuffer data(e.size);
      std::span<const uint8_t> in;
      std::string error = packed_data(worker, i, in);
      size_t consumed = 0;
      if (error.empty()) {
        error = worker.inflater.inflate_exact(in, {data.data(), data.size()}, consumed);
      }
      if (!error.empty()) {
        fail(fmt::format("object at offset {} {}", e.offset, error));
        return;
      }
      if (std::string failed = resolve_tree(worker, frame_for(i, std::move(data), e.type, e.oid));
          !failed.empty()) {
        fail(std::move(failed));
        return;
      }
    }
  };
  const size_t helpers =
      std::min<size_t>(threads, roots.size()) > 1 ? std::min<size_t>(threads, roots.size()) - 1 : 0;
  std::vector<std::jthread> pool;
  pool.reserve(helpers);
  for (size_t t = 0; t < helpers; ++t) {
    pool.emplace_back(work);
  }
  work();
  pool.clear();  // joins
  const std::lock_guard lock(mutex_);
  return error_;
}

std::string DeltaResolver::resolve_from_base(unsigned type, std::span<const uint8_t> data,
                                             const Oid& oid) {
  ObjectBuffer copy(data.size());
  std::copy(data.begin(), data.end(), copy.data());
  // Not an entry of the scanned pack: no OFS_DELTA children.
  Frame root = frame_for(UINT32_MAX, std::move(copy), static_cast<uint8_t>(type), oid);
  if (std::string error = resolve_tree(*serial_, std::move(root)); !error.empty()) {
    fail(error);
    return error;
  }
  return {};
}

}  // namespace gitgate::git::detail
