#include "git/pack/pack_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <system_error>
#include <utility>

#include "git/pack/pack_entry.h"

namespace gitgate::git::pack {

std::variant<MappedFile, std::string> MappedFile::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fmt::format("cannot open {}: {}", path.string(),
                       std::error_code(errno, std::generic_category()).message());
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return fmt::format("cannot stat {}: {}", path.string(),
                       std::error_code(error, std::generic_category()).message());
  }
  MappedFile file;
  file.size_ = static_cast<size_t>(st.st_size);
  if (file.size_ > 0) {
    void* data = mmap(nullptr, file.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      return fmt::format("cannot map {}: {}", path.string(),
                         std::error_code(error, std::generic_category()).message());
    }
    file.data_ = static_cast<const uint8_t*>(data);
  }
  ::close(fd);  // the mapping keeps the file
  return file;
}

void MappedFile::release(size_t begin, size_t end) const {
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  begin = (begin + page - 1) / page * page;  // whole pages inside the range only
  end = std::min(end, size_) / page * page;
  if (data_ != nullptr && begin < end) {
    madvise(const_cast<uint8_t*>(data_) + begin, end - begin, MADV_DONTNEED);
  }
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) {
      munmap(const_cast<uint8_t*>(data_), size_);
    }
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) {
    munmap(const_cast<uint8_t*>(data_), size_);
  }
}

std::variant<Pack, std::string> Pack::open(const std::filesystem::path& idx_path) {
  Pack pack;
  auto idx = MappedFile::open(idx_path);
  if (auto* error = std::get_if<std::string>(&idx)) {
    return *error;
  }
  pack.idx_ = std::move(std::get<MappedFile>(idx));
  auto parsed = parse_pack_index(pack.idx_.bytes());
  if (auto* error = std::get_if<IndexError>(&parsed)) {
    return fmt::format("{}: {}", idx_path.string(), error->reason);
  }
  pack.index_ = std::get<PackIndex>(parsed);
  std::filesystem::path pack_path = idx_path;
  pack_path.replace_extension(".pack");
  auto mapped = MappedFile::open(pack_path);
  if (auto* error = std::get_if<std::string>(&mapped)) {
    return *error;
  }
  pack.pack_ = std::move(std::get<MappedFile>(mapped));
  const std::span<const uint8_t> bytes = pack.pack_.bytes();
  auto header = parse_pack_header(bytes);
  if (auto* error = std::get_if<EntryError>(&header)) {
    return fmt::format("{}: {}", pack_path.string(), error->reason);
  }
  if (std::get<PackHeader>(header).count != pack.index_.size() ||
      bytes.size() < kPackHeaderSize + kPackTrailerSize ||
      !std::equal(pack.index_.pack_checksum().begin(), pack.index_.pack_checksum().end(),
                  bytes.end() - kPackTrailerSize)) {
    return fmt::format("{} does not match its index", pack_path.string());
  }
  const uint32_t count = pack.index_.size();
  // (offset, position) pairs sort faster than positions compared through the index.
  std::vector<std::pair<uint64_t, uint32_t>> entries(count);
  for (uint32_t i = 0; i < count; ++i) {
    entries[i] = {pack.index_.offset(i), i};
  }
  std::sort(entries.begin(), entries.end());
  pack.by_offset_.resize(count);
  pack.sorted_offsets_.resize(count);
  pack.rank_.resize(count);
  const uint64_t data_end = bytes.size() - kPackTrailerSize;
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t offset = entries[i].first;
    pack.by_offset_[i] = entries[i].second;
    // Entries are at least two bytes (header, zlib data); equal offsets would overlap.
    if (offset < kPackHeaderSize || offset >= data_end ||
        (i > 0 && offset <= pack.sorted_offsets_[i - 1])) {
      return fmt::format("{}: entry offset {} out of place", idx_path.string(), offset);
    }
    pack.sorted_offsets_[i] = offset;
    pack.rank_[pack.by_offset_[i]] = i;
  }
  std::filesystem::path bitmap_path = idx_path;
  bitmap_path.replace_extension(".bitmap");
  pack.open_bitmap(bitmap_path);
  return pack;
}

// A bitmap that cannot be used only costs speed: the objects are then found by walking.
void Pack::open_bitmap(const std::filesystem::path& bitmap_path) {
  std::error_code ec;
  if (!std::filesystem::exists(bitmap_path, ec)) {
    return;
  }
  auto mapped = MappedFile::open(bitmap_path);
  if (auto* error = std::get_if<std::string>(&mapped)) {
    bitmap_error_ = *error;
    return;
  }
  bitmap_file_ = std::move(std::get<MappedFile>(mapped));
  // A bitmap left behind by an earlier pack names the wrong objects: say so rather than
  // what parsing it would stumble over.
  const std::span<const uint8_t> bytes = bitmap_file_.bytes();
  if (bytes.size() >= kBitmapHeaderSize &&
      !std::equal(index_.pack_checksum().begin(), index_.pack_checksum().end(),
                  bytes.begin() + kBitmapHeaderSize - kOidSize)) {
    bitmap_error_ = fmt::format("{} belongs to another pack", bitmap_path.string());
    return;
  }
  auto parsed = parse_pack_bitmap(bytes, index_.size());
  if (auto* error = std::get_if<BitmapError>(&parsed)) {
    bitmap_error_ = fmt::format("{}: {}", bitmap_path.string(), error->reason);
    return;
  }
  bitmap_ = std::get<PackBitmap>(std::move(parsed));
}

std::span<const uint8_t> Pack::entry(uint32_t position) const {
  const uint32_t rank = rank_[position];
  const uint64_t begin = sorted_offsets_[rank];
  const uint64_t end = rank + 1 < sorted_offsets_.size() ? sorted_offsets_[rank + 1]
                                                         : bytes().size() - kPackTrailerSize;
  return bytes().subspan(begin, end - begin);
}

std::optional<uint32_t> Pack::position_at(uint64_t offset) const {
  auto it = std::lower_bound(sorted_offsets_.begin(), sorted_offsets_.end(), offset);
  if (it == sorted_offsets_.end() || *it != offset) {
    return std::nullopt;
  }
  return by_offset_[static_cast<size_t>(it - sorted_offsets_.begin())];
}

PackStore PackStore::open(const std::filesystem::path& pack_dir) {
  PackStore store;
  std::vector<std::filesystem::path> idx_paths;
  // increment(ec), not a range-for: operator++ throws when the directory goes away.
  std::error_code ec;
  for (std::filesystem::directory_iterator it(pack_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const auto& path = it->path();
    if (path.extension() == ".idx" && path.filename().string().starts_with("pack-")) {
      idx_paths.push_back(path);
    }
  }
  std::sort(idx_paths.begin(), idx_paths.end());
  for (const auto& path : idx_paths) {
    auto pack = Pack::open(path);
    if (auto* error = std::get_if<std::string>(&pack)) {
      store.skipped_.push_back(*error);
    } else {
      store.packs_.push_back(std::move(std::get<Pack>(pack)));
    }
  }
  std::stable_sort(store.packs_.begin(), store.packs_.end(), [](const Pack& a, const Pack& b) {
    return a.index().size() > b.index().size();
  });
  return store;
}

const Pack* PackStore::bitmapped() const {
  for (const Pack& pack : packs_) {
    if (pack.bitmap() != nullptr) {
      return &pack;
    }
  }
  return nullptr;
}

namespace {

// What identifies a pack directory's contents: every pack file's name, size and mtime.
std::string pack_dir_signature(const std::filesystem::path& pack_dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(pack_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    struct stat st {};
    if (name.starts_with("pack-") && ::stat(it->path().c_str(), &st) == 0) {
      files.push_back(
          fmt::format("{} {} {}.{}", name, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
    }
  }
  std::sort(files.begin(), files.end());
  return fmt::format("{}", fmt::join(files, "\n"));
}

constexpr size_t kSharedStores = 16;

struct SharedStore {
  std::string dir;
  std::string signature;
  std::shared_ptr<const PackStore> store;
};

}  // namespace

std::shared_ptr<const PackStore> PackStore::shared(const std::filesystem::path& pack_dir) {
  static std::mutex mu;
  static std::vector<SharedStore> stores;  // most recently used last
  const std::string dir = pack_dir.string();
  std::string signature = pack_dir_signature(pack_dir);
  {
    const std::lock_guard lock(mu);
    auto it = std::find_if(stores.begin(), stores.end(),
                           [&](const SharedStore& s) { return s.dir == dir; });
    if (it != stores.end() && it->signature == signature) {
      SharedStore hit = std::move(*it);
      stores.erase(it);
      stores.push_back(std::move(hit));
      return stores.back().store;
    }
  }
  // Opened outside the lock: requests for other repositories go on meanwhile. Two
  // requests racing here both open; the later one's store is kept.
  auto store = std::make_shared<const PackStore>(open(pack_dir));
  for (const std::string& reason : store->skipped()) {
    spdlog::warn("pack store: not using a pack: {}", reason);
  }
  for (const Pack& pack : store->packs()) {
    if (!pack.bitmap_error().empty()) {
      spdlog::warn("pack store: not using a bitmap: {}", pack.bitmap_error());
    }
  }
  const std::lock_guard lock(mu);
  std::erase_if(stores, [&](const SharedStore& s) { return s.dir == dir; });
  if (stores.size() >= kSharedStores) {
    stores.erase(stores.begin());
  }
  stores.push_back(SharedStore{dir, std::move(signature), store});
  return store;
}

std::optional<Location> PackStore::find(std::span<const uint8_t, kOidSize> oid) const {
  for (uint32_t i = 0; i < packs_.size(); ++i) {
    if (auto position = packs_[i].index().find(oid)) {
      return Location{&packs_[i], i, *position};
    }
  }
  return std::nullopt;
}

}  // namespace gitgate::git::pack
