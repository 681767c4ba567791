// A push's objects before they are accepted (git's tmp_objdir, "quarantine environment"
// in git-receive-pack(1)): a directory objects/incoming-XXXXXX inside the repository
// that the pack is received and indexed into. Hooks and checks see it through
// GIT_QUARANTINE_PATH / GIT_OBJECT_DIRECTORY; only after every check has passed are its
// packs moved into objects/pack. Whatever is not migrated is removed with it.
#pragma once

#include <git2.h>

#include <filesystem>
#include <optional>
#include <string>
#include <variant>

namespace gitgate::git::detail {

class Quarantine {
 public:
  // Makes objects/incoming-XXXXXX (0700) with a pack/ directory in repo's object directory.
  static std::variant<Quarantine, std::string> create(git_repository* repo);
  ~Quarantine();  // removes the directory and everything in it, unless migrated
  Quarantine(Quarantine&& other) noexcept;
  Quarantine& operator=(Quarantine&&) = delete;
  Quarantine(const Quarantine&) = delete;
  Quarantine& operator=(const Quarantine&) = delete;

  [[nodiscard]] const std::filesystem::path& directory() const { return directory_; }
  [[nodiscard]] std::filesystem::path pack_directory() const { return directory_ / "pack"; }
  [[nodiscard]] const std::filesystem::path& repository_objects() const { return objects_; }

  // Moves every pack (.pack, .rev, then .idx last, so that a reader never sees an index
  // without its pack) into objects/pack, then removes the directory. nullopt on success.
  std::optional<std::string> migrate();

 private:
  Quarantine(std::filesystem::path objects, std::filesystem::path directory);
  std::filesystem::path objects_;
  std::filesystem::path directory_;
  bool migrated_ = false;
};

}  // namespace gitgate::git::detail
