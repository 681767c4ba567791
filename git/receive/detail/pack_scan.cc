// gitformat-pack, "pack-*.pack files have the following format" (the grammar is quoted
// in git/pack/pack_entry.cc, whose parsers this reuses). The trailer's SHA-1 is computed
// on a second thread a few MiB behind the inflation of the entries.
#include "git/receive/detail/pack_scan.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "git/pack/digest.h"
#include "git/pack/pack_entry.h"

namespace gitgate::git::detail {
namespace {

namespace pack = gitgate::git::pack;

bool is_delta(unsigned type) {
  return type == static_cast<unsigned>(pack::EntryType::kOfsDelta) ||
         type == static_cast<unsigned>(pack::EntryType::kRefDelta);
}

// The trailer's SHA-1, on a second thread that follows the scan: it hashes what the scan
// has passed. Both tell done_with what they have read, so that the resident part of a
// mapped pack stays a few MiB even when this thread lags (it then reads dropped pages
// back from the page cache).
class TrailerHasher {
 public:
  TrailerHasher(std::span<const uint8_t> bytes, uint64_t end,
                const std::function<void(uint64_t, uint64_t)>& done_with)
      : bytes_(bytes), end_(end), done_with_(done_with), thread_([this] { run(); }) {}
  ~TrailerHasher() { stop(false); }
  TrailerHasher(const TrailerHasher&) = delete;
  TrailerHasher& operator=(const TrailerHasher&) = delete;

  void scanned_to(uint64_t offset) {
    const std::lock_guard lock(mutex_);
    target_ = offset;
    wake_.notify_one();
  }
  // The scan is over: hash the rest (ok) or give up; then the digest, if ok.
  std::optional<std::vector<uint8_t>> stop(bool ok) {
    {
      const std::lock_guard lock(mutex_);
      target_ = end_;
      ended_ = true;
      abandoned_ = !ok;
      wake_.notify_one();
    }
    if (thread_.joinable()) {
      thread_.join();
    }
    return std::move(sum_);
  }

 private:
  void run() {
    Digest sha1(EVP_sha1());
    uint64_t hashed = 0;
    for (;;) {
      uint64_t target = 0;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return target_ > hashed || ended_; });
        if (abandoned_) {
          return;
        }
        target = target_;
      }
      if (target <= hashed) {
        break;  // ended, all hashed
      }
      sha1.update(bytes_.data() + hashed, target - hashed);
      if (done_with_) {
        done_with_(hashed, target);
      }
      hashed = target;
    }
    sum_ = sha1.finish();
  }

  std::span<const uint8_t> bytes_;
  uint64_t end_;
  const std::function<void(uint64_t, uint64_t)>& done_with_;
  std::mutex mutex_;
  std::condition_variable wake_;
  uint64_t target_ = 0;
  bool ended_ = false;
  bool abandoned_ = false;
  std::optional<std::vector<uint8_t>> sum_;
  std::thread thread_;  // last: started once the rest is set
};

class Scanner {
 public:
  Scanner(std::span<const uint8_t> bytes, const PushSettings& limits, ScannedPack& out,
          TrailerHasher& trailer, const std::function<void(uint64_t, uint64_t)>& done_with)
      : bytes_(bytes), limits_(limits), out_(out), trailer_(trailer), done_with_(done_with) {}

  std::string scan(uint32_t count) {
    uint64_t offset = pack::kPackHeaderSize;
    out_.entries.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      size_t length = 0;
      if (std::string error = read_entry(offset, length); !error.empty()) {
        return error;
      }
      offset += length;
      if (offset - told_ >= kTellEvery) {
        if (done_with_) {
          done_with_(told_, offset);
        }
        told_ = offset;
        trailer_.scanned_to(offset);
      }
    }
    if (offset != out_.end) {
      return fmt::format("pack has {} bytes after its last entry", out_.end - offset);
    }
    std::sort(out_.ref_deltas.begin(), out_.ref_deltas.end());
    return {};
  }

 private:
  std::string read_entry(uint64_t offset, size_t& length) {
    const auto rest = bytes_.subspan(0, out_.end).subspan(offset);
    auto parsed = pack::parse_entry_header(
        rest.first(std::min(rest.size(), pack::kMaxEntryHeaderSize)), offset);
    if (const auto* bad = std::get_if<pack::EntryError>(&parsed)) {
      return fmt::format("bad entry at offset {}: {}", offset, bad->reason);
    }
    const auto& header = std::get<pack::EntryHeader>(parsed);
    if (header.size > limits_.max_object_bytes) {
      return fmt::format("object at offset {} has {} bytes, more than max_object_bytes ({})",
                         offset, header.size, limits_.max_object_bytes);
    }
    IndexEntry entry;
    entry.offset = offset;
    entry.size = header.size;
    entry.header_length = static_cast<uint8_t>(header.header_length);
    entry.type = static_cast<uint8_t>(header.type);
    const auto index = static_cast<uint32_t>(out_.entries.size());
    if (header.type == pack::EntryType::kOfsDelta) {
      const auto at =
          std::lower_bound(out_.entries.begin(), out_.entries.end(), header.base_offset,
                           [](const IndexEntry& e, uint64_t value) { return e.offset < value; });
      if (at == out_.entries.end() || at->offset != header.base_offset) {
        return fmt::format("delta at offset {} has a base that is not an entry", offset);
      }
      entry.base = static_cast<uint32_t>(at - out_.entries.begin());
    } else if (header.type == pack::EntryType::kRefDelta) {
      out_.ref_deltas.push_back({header.base_oid, index});
    }
    const auto data = rest.subspan(header.header_length);
    size_t consumed = 0;
    std::string error;
    if (is_delta(entry.type)) {
      ++out_.deltas;
      if (uint8_t* keep = out_.delta_cache.reserve(entry.size); keep != nullptr) {
        error = inflater_.inflate_exact(data, {keep, entry.size}, consumed);
        entry.delta_data = keep;
      } else {
        error = inflater_.inflate_to(
            data, entry.size, [](std::span<const uint8_t>) {}, consumed);
      }
    } else {
      entry.real_type = entry.type;
      // Whole, as git holds any object below core.bigFileThreshold (512 MiB): SHA-1DC
      // needs the bytes at once, and max_object_bytes bounds them.
      if (whole_.size() < entry.size) {
        whole_.resize(entry.size);
      }
      const std::span<uint8_t> bytes(whole_.data(), entry.size);
      error = inflater_.inflate_exact(data, bytes, consumed);
      if (error.empty()) {
        error = hasher_.hash(entry.type, bytes, entry.oid);
      }
    }
    if (!error.empty()) {
      return fmt::format("object at offset {} {}", offset, error);
    }
    length = header.header_length + consumed;
    entry.crc32 = static_cast<uint32_t>(crc32_z(0, rest.data(), length));
    out_.entries.push_back(entry);
    return {};
  }

  std::span<const uint8_t> bytes_;
  const PushSettings& limits_;
  ScannedPack& out_;
  TrailerHasher& trailer_;
  const std::function<void(uint64_t, uint64_t)>& done_with_;
  static constexpr uint64_t kTellEvery = uint64_t{2} << 20;
  uint64_t told_ = 0;
  Inflater inflater_;
  ObjectHasher hasher_;
  std::vector<uint8_t> whole_;  // the largest whole object so far
};

}  // namespace

uint8_t* DeltaCache::reserve(size_t size) {
  if (size > budget_ - used_) {
    return nullptr;
  }
  used_ += size;
  if (size > block_left_) {
    // A delta larger than a block gets one of its own; the current block stays in use.
    if (size >= kBlockSize) {
      blocks_.push_back(std::make_unique_for_overwrite<uint8_t[]>(size));
      return blocks_.back().get();
    }
    blocks_.push_back(std::make_unique_for_overwrite<uint8_t[]>(kBlockSize));
    next_ = blocks_.back().get();
    block_left_ = kBlockSize;
  }
  uint8_t* out = next_;
  next_ += size;
  block_left_ -= size;
  return out;
}

uint64_t entry_end(const ScannedPack& pack, uint32_t entry) {
  return entry + 1 < pack.entries.size() ? pack.entries[entry + 1].offset : pack.end;
}

std::variant<ScannedPack, std::string> scan_pack(
    std::span<const uint8_t> bytes, const PushSettings& limits,
    const std::function<void(uint64_t from, uint64_t to)>& done_with, size_t delta_cache_bytes) {
  auto header = pack::parse_pack_header(bytes);
  if (const auto* bad = std::get_if<pack::EntryError>(&header)) {
    return "bad pack header: " + bad->reason;
  }
  const uint32_t count = std::get<pack::PackHeader>(header).count;
  if (count > limits.max_objects || count > pack::kMaxIndexObjects) {
    return fmt::format("pack has {} objects, more than max_objects ({})", count,
                       limits.max_objects);
  }
  if (bytes.size() < pack::kPackHeaderSize + pack::kPackTrailerSize) {
    return std::string("pack is cut short");
  }
  ScannedPack out;
  out.delta_cache = DeltaCache(delta_cache_bytes);
  out.end = bytes.size() - pack::kPackTrailerSize;
  TrailerHasher trailer(bytes, out.end, done_with);
  Scanner scanner(bytes, limits, out, trailer, done_with);
  std::string error = scanner.scan(count);
  const auto sum = trailer.stop(error.empty());
  if (!error.empty()) {
    return error;
  }
  if (!sum || sum->size() != out.checksum.size() ||
      std::memcmp(sum->data(), bytes.data() + out.end, out.checksum.size()) != 0) {
    return std::string("pack trailer does not match its SHA-1");
  }
  std::memcpy(out.checksum.data(), bytes.data() + out.end, out.checksum.size());
  return out;
}

}  // namespace gitgate::git::detail
