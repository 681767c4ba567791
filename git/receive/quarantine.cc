#include "git/receive/quarantine.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

namespace gitgate::git::detail {
namespace {

namespace fs = std::filesystem;

// The order packs are moved in, as git's tmp-objdir.c pack_copy_priority: the pack before
// its reverse index, the index last, so that a reader that finds an index finds its pack.
// Other files (a .keep, a .bitmap) are not ours: the indexer writes none.
int move_order(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".pack") {
    return 0;
  }
  if (ext == ".rev") {
    return 1;
  }
  if (ext == ".idx") {
    return 2;
  }
  return -1;
}

std::string errno_text(int error) { return std::strerror(error); }

// Puts source at target without replacing a file already there: link(2) fails with
// EEXIST then, and the existing file is kept and source dropped, as git's
// finalize_object_file does (a pack's name is its checksum, so an existing one holds the
// same objects). A filesystem without hard links falls back to rename(2).
std::optional<std::string> move_file(const fs::path& source, const fs::path& target) {
  if (::link(source.c_str(), target.c_str()) == 0 || errno == EEXIST) {
    ::unlink(source.c_str());
    return std::nullopt;
  }
  const int link_error = errno;
  if (link_error != EPERM && link_error != ENOTSUP && link_error != EXDEV) {
    return "cannot move " + source.filename().string() + ": " + errno_text(link_error);
  }
  std::error_code ec;
  if (fs::exists(target, ec)) {
    ::unlink(source.c_str());
    return std::nullopt;
  }
  if (::rename(source.c_str(), target.c_str()) != 0) {
    return "cannot move " + source.filename().string() + ": " + errno_text(errno);
  }
  return std::nullopt;
}

// Flushes a file (or a directory's entries) to the disk; false when it cannot be opened
// or synced.
bool sync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Quarantine::Quarantine(fs::path objects, fs::path directory)
    : objects_(std::move(objects)), directory_(std::move(directory)) {}

Quarantine::Quarantine(Quarantine&& other) noexcept
    : objects_(std::move(other.objects_)),
      directory_(std::move(other.directory_)),
      migrated_(other.migrated_) {
  other.migrated_ = true;  // the moved-from object owns no directory any more
  other.directory_.clear();
}

Quarantine::~Quarantine() {
  if (!migrated_ && !directory_.empty()) {
    std::error_code ec;
    fs::remove_all(directory_, ec);  // nothing to tell anyone from a destructor
  }
}

std::variant<Quarantine, std::string> Quarantine::create(git_repository* repo) {
  const char* git_dir = git_repository_path(repo);
  if (git_dir == nullptr) {
    return std::string("quarantine: repository has no path");
  }
  fs::path objects = fs::path(git_dir) / "objects";
  // mkdtemp makes the directory 0700, as git's tmp_objdir: only this server reads it.
  std::string name = (objects / "incoming-XXXXXX").string();
  if (::mkdtemp(name.data()) == nullptr) {
    return "quarantine: cannot create " + name + ": " + errno_text(errno);
  }
  Quarantine quarantine(std::move(objects), fs::path(name));
  if (::mkdir(quarantine.pack_directory().c_str(), 0700) != 0) {
    return "quarantine: cannot create " + quarantine.pack_directory().string() + ": " +
           errno_text(errno);  // the destructor removes the directory made above
  }
  return quarantine;
}

std::optional<std::string> Quarantine::migrate() {
  if (migrated_) {
    return std::string("quarantine: already migrated");
  }
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(pack_directory(), ec)) {
    if (entry.is_regular_file(ec) && move_order(entry.path()) >= 0) {
      files.push_back(entry.path());
    }
  }
  if (ec) {
    return "quarantine: cannot list " + pack_directory().string() + ": " + ec.message();
  }
  // Every .pack, then every .rev, then every .idx; by name within a kind, for a stable order.
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return std::pair(move_order(a), a.filename()) < std::pair(move_order(b), b.filename());
  });
  // A ref reported "ok" must survive a crash, and so must the pack it names: each file is
  // flushed before it is linked into place and objects/pack after, as git does by default
  // (core.fsync's default set: packs and their indexes, not refs).
  for (const fs::path& file : files) {
    if (!sync_path(file, O_RDONLY)) {
      return "quarantine: cannot sync " + file.filename().string() + ": " + errno_text(errno);
    }
  }
  const fs::path target_directory = objects_ / "pack";
  for (const fs::path& file : files) {
    if (auto error = move_file(file, target_directory / file.filename())) {
      return "quarantine: " + *error;  // the destructor removes what is left
    }
  }
  if (!files.empty() && !sync_path(target_directory, O_RDONLY | O_DIRECTORY)) {
    return "quarantine: cannot sync objects/pack: " + errno_text(errno);
  }
  migrated_ = true;
  fs::remove_all(directory_, ec);
  return std::nullopt;
}

}  // namespace gitgate::git::detail
