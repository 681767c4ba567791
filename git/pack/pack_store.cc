#include "git/pack/pack_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "git/pack/pack_entry.h"

namespace gitgate::git::pack {

std::variant<MappedFile, std::string> MappedFile::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fmt::format("cannot open {}: {}", path.string(), std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return fmt::format("cannot stat {}: {}", path.string(), std::strerror(error));
  }
  MappedFile file;
  file.size_ = static_cast<size_t>(st.st_size);
  if (file.size_ > 0) {
    void* data = mmap(nullptr, file.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      return fmt::format("cannot map {}: {}", path.string(), std::strerror(error));
    }
    file.data_ = static_cast<const uint8_t*>(data);
  }
  ::close(fd);  // the mapping keeps the file
  return file;
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
  return pack;
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
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(pack_dir, ec)) {
    const auto& path = entry.path();
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

std::optional<Location> PackStore::find(std::span<const uint8_t, kOidSize> oid) const {
  for (uint32_t i = 0; i < packs_.size(); ++i) {
    if (auto position = packs_[i].index().find(oid)) {
      return Location{&packs_[i], i, *position};
    }
  }
  return std::nullopt;
}

}  // namespace gitgate::git::pack
