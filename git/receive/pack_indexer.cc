// gitgate's own index-pack: scan the mapped pack once (detail/pack_scan.h), resolve the
// deltas on threads (detail/resolve.h), complete a thin pack from the repository
// (detail/thin_pack.h), write the .idx and .rev (detail/idx_writer.h), as git's
// builtin/index-pack.c does with --stdin --fix-thin --rev-index.
#include "git/receive/pack_indexer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "git/pack/libgit2.h"
#include "git/receive/detail/atomic_file.h"
#include "git/receive/detail/idx_writer.h"
#include "git/receive/detail/resolve.h"
#include "git/receive/detail/rev_index.h"
#include "git/receive/detail/thin_pack.h"

namespace gitgate::git::detail {
namespace {

// The pack file, open for reading and appending, mapped read-only.
class MappedPack {
 public:
  explicit MappedPack(const std::filesystem::path& path)
      : fd_(open(path.c_str(), O_RDWR | O_CLOEXEC)) {
    if (fd_ < 0 && errno == EACCES) {
      // Read-only is enough unless the pack is thin; then appending fails with EBADF.
      fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    }
    struct stat st {};
    if (fd_ < 0 || fstat(fd_, &st) != 0 || st.st_size == 0) {
      return;
    }
    void* map = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd_, 0);
    if (map != MAP_FAILED) {
      bytes_ = {static_cast<const uint8_t*>(map), static_cast<size_t>(st.st_size)};
    }
  }
  ~MappedPack() {
    if (!bytes_.empty()) {
      munmap(const_cast<uint8_t*>(bytes_.data()), bytes_.size());
    }
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  MappedPack(const MappedPack&) = delete;
  MappedPack& operator=(const MappedPack&) = delete;

  [[nodiscard]] int fd() const { return fd_; }
  // Drops the mapped pages inside [from, to) from this process (the page cache keeps
  // them; a later read maps them again), so that a large pack does not count whole in its
  // RSS.
  void release(uint64_t from, uint64_t to) const {
    const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    const uint64_t first = (from + page - 1) / page * page;
    const uint64_t end = std::min<uint64_t>(to, bytes_.size()) / page * page;
    if (first < end) {
      madvise(const_cast<uint8_t*>(bytes_.data()) + first, end - first, MADV_DONTNEED);
    }
  }
  [[nodiscard]] std::span<const uint8_t> bytes() const { return bytes_; }

 private:
  int fd_;
  std::span<const uint8_t> bytes_;
};

// fix_unresolved_deltas: the REF_DELTA entries still unresolved, in pack order ("a good
// heuristic is to start resolving deltas in the same order as their position in the
// pack"); each one's base, if the repository has it and no earlier base resolved it, is
// appended and its deltas resolved.
std::string complete_thin_pack(const MappedPack& file, git_repository* repo, ScannedPack& scanned,
                               DeltaResolver& resolver, uint32_t& added) {
  std::vector<RefDelta> pending;
  for (const RefDelta& d : scanned.ref_deltas) {
    if (!resolver.is_resolved(d.entry)) {
      pending.push_back(d);
    }
  }
  if (pending.empty()) {
    return {};
  }
  git_odb* raw = nullptr;
  if (repo == nullptr || git_repository_odb(&raw, repo) != 0) {
    return {};  // nothing to complete from: reported as unresolved deltas
  }
  const OdbPtr odb(raw);
  std::sort(pending.begin(), pending.end(),
            [](const RefDelta& a, const RefDelta& b) { return a.entry < b.entry; });
  PackAppender appender(file.fd(), file.bytes(), scanned.end);
  const size_t scanned_entries = scanned.entries.size();
  for (const RefDelta& d : pending) {
    if (resolver.is_resolved(d.entry)) {
      continue;
    }
    git_oid id;
    std::memcpy(id.id, d.base.data(), d.base.size());
    git_odb_object* object = nullptr;
    if (git_odb_read(&object, odb.get(), &id) != 0) {
      continue;
    }
    const std::span<const uint8_t> data(static_cast<const uint8_t*>(git_odb_object_data(object)),
                                        git_odb_object_size(object));
    const auto type = static_cast<unsigned>(git_odb_object_type(object));
    IndexEntry entry;
    std::string error = appender.append(type, data, d.base, entry);
    if (error.empty()) {
      scanned.entries.push_back(entry);
      error = resolver.resolve_from_base(type, data, d.base);
    }
    git_odb_object_free(object);
    if (!error.empty()) {
      return error;
    }
  }
  added = static_cast<uint32_t>(scanned.entries.size() - scanned_entries);
  if (added == 0) {
    return {};
  }
  return appender.finish(static_cast<uint32_t>(scanned.entries.size()), scanned.checksum);
}

// pack-<checksum>.pack, .rev and .idx, in git's order (finish_tmp_packfile): the .idx
// last, since a pack is seen once its .idx is there.
std::variant<IndexedPack, IndexFailure> write_files(const std::filesystem::path& input,
                                                    const ScannedPack& scanned, uint32_t added) {
  IndexedPack result;
  std::memcpy(result.checksum.id, scanned.checksum.data(), scanned.checksum.size());
  const std::string base = "pack-" + to_hex(result.checksum);
  const std::filesystem::path dir = input.parent_path();
  result.pack = dir / (base + ".pack");
  result.index = dir / (base + ".idx");
  result.objects = static_cast<uint32_t>(scanned.entries.size());
  result.added_bases = added;
  // The .idx streams to its temporary file (a pack of millions of objects has an .idx of
  // tens of MiB), to be renamed last.
  AtomicFile idx(result.index);
  auto rev = write_index_files(scanned.entries, scanned.checksum,
                               [&idx](std::span<const uint8_t> bytes) { return idx.write(bytes); });
  if (auto* bad = std::get_if<std::string>(&rev)) {
    return IndexFailure{idx.error().empty() ? *bad : idx.error()};
  }
  if (chmod(input.c_str(), 0444) != 0 || rename(input.c_str(), result.pack.c_str()) != 0) {
    return IndexFailure{
        fmt::format("cannot name the pack {}: {}", result.pack.string(), strerror(errno))};
  }
  const std::filesystem::path rev_path = dir / (base + ".rev");
  std::string error = write_file_atomically(rev_path, std::get<std::vector<uint8_t>>(rev));
  if (error.empty()) {
    error = idx.commit();
  }
  if (!error.empty()) {
    std::error_code ignored;
    std::filesystem::remove(rev_path, ignored);
    std::filesystem::remove(result.pack, ignored);
    return IndexFailure{std::move(error)};
  }
  return result;
}

}  // namespace

std::variant<IndexedPack, IndexFailure> index_pack(const std::filesystem::path& pack,
                                                   git_repository* repo, const PushSettings& limits,
                                                   const IndexProgress& progress,
                                                   unsigned threads) {
  ensure_libgit2();
  const MappedPack file(pack);
  if (file.bytes().empty()) {
    return IndexFailure{fmt::format("cannot read the pack: {}", strerror(errno))};
  }
  auto scan = scan_pack(file.bytes(), limits,
                        [&file](uint64_t from, uint64_t to) { file.release(from, to); });
  if (auto* bad = std::get_if<std::string>(&scan)) {
    return IndexFailure{std::move(*bad)};
  }
  auto& scanned = std::get<ScannedPack>(scan);
  // The second pass reads the entries it needs with pread: the mapping's pages, dropped
  // as the scan passed them, stay out of this process.
  DeltaResolver resolver(file.bytes(), scanned, limits, progress.deltas, file.fd());
  if (threads == 0) {
    threads = std::max(1U, std::thread::hardware_concurrency());
  }
  std::string error = resolver.resolve_in_pack(threads);
  uint32_t added = 0;
  if (error.empty() && resolver.resolved() < scanned.deltas) {
    error = complete_thin_pack(file, repo, scanned, resolver, added);
  }
  resolver.report();
  if (error.empty() && resolver.resolved() < scanned.deltas) {
    // git's words (builtin/index-pack.c, conclude_pack).
    error = fmt::format("pack has {} unresolved deltas", scanned.deltas - resolver.resolved());
  }
  if (!error.empty()) {
    return IndexFailure{std::move(error)};
  }
  scanned.delta_cache = DeltaCache(0);  // freed before the .idx is built
  return write_files(pack, scanned, added);
}

}  // namespace gitgate::git::detail
