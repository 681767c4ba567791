#include "git/archive/archive_tree.h"

#include <string>
#include <utility>

#include "git/pack/libgit2.h"
#include "git/pack/oid.h"

namespace gitgate::git::detail {
namespace {

using ConfigPtr = std::unique_ptr<git_config, Deleter<git_config, git_config_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, Deleter<git_tree_entry, git_tree_entry_free>>;

// The object the tree-ish names; errors worded as archive.c's die() messages.
std::variant<ObjectPtr, ArchiveArgsError> lookup_tree_ish(git_repository* repo,
                                                          std::string_view tree_ish,
                                                          bool allow_unreachable) {
  const std::string whole(tree_ish);
  git_object* raw = nullptr;
  if (allow_unreachable) {
    if (git_revparse_single(&raw, repo, whole.c_str()) != 0) {
      return ArchiveArgsError{"not a valid object name: " + whole};
    }
    return ObjectPtr(raw);
  }
  // "Remotes are only allowed to fetch actual refs": repo_dwim_ref() on the part before ':'.
  const size_t colon = tree_ish.find(':');
  const std::string name(tree_ish.substr(0, colon));
  git_reference* ref = nullptr;
  if (name.empty() || git_reference_dwim(&ref, repo, name.c_str()) != 0) {
    return ArchiveArgsError{"no such ref: " + name};
  }
  const ReferencePtr owned_ref(ref);
  if (git_reference_peel(&raw, ref, GIT_OBJECT_ANY) != 0) {
    return ArchiveArgsError{"not a valid object name: " + whole};
  }
  ObjectPtr object(raw);
  if (colon == std::string_view::npos) {
    return object;
  }
  // "<ref>:<path>": the entry at path in the ref's tree; an empty path is the tree itself.
  git_object* tree = nullptr;
  if (git_object_peel(&tree, object.get(), GIT_OBJECT_TREE) != 0) {
    return ArchiveArgsError{"not a valid object name: " + whole};
  }
  ObjectPtr owned_tree(tree);
  const std::string path(tree_ish.substr(colon + 1));
  if (path.empty()) {
    return owned_tree;
  }
  git_tree_entry* entry = nullptr;
  if (git_tree_entry_bypath(&entry, reinterpret_cast<git_tree*>(tree), path.c_str()) != 0) {
    return ArchiveArgsError{"not a valid object name: " + whole};
  }
  const TreeEntryPtr owned_entry(entry);
  if (git_tree_entry_to_object(&raw, repo, entry) != 0) {
    return ArchiveArgsError{"not a valid object name: " + whole};
  }
  return ObjectPtr(raw);
}

bool any_matches(const std::vector<std::string>& pathspecs, const std::string& path,
                 bool is_directory) {
  if (pathspecs.empty()) {
    return true;
  }
  for (const std::string& spec : pathspecs) {
    if (pathspec_matches(spec, path, is_directory)) {
      return true;
    }
  }
  return false;
}

bool any_below(const std::vector<std::string>& pathspecs, const std::string& directory) {
  if (pathspecs.empty()) {
    return true;
  }
  for (const std::string& spec : pathspecs) {
    if (pathspec_may_match_below(spec, directory)) {
      return true;
    }
  }
  return false;
}

// archive.c queue_or_write_archive_entry(): a directory is queued and written only when
// the first entry under it is; directories and their paths in write_archive_entry().
class Walker {
 public:
  Walker(git_repository* repo, std::string_view prefix, const std::vector<std::string>& pathspecs,
         const std::function<bool(const ArchiveEntry&)>& visit)
      : repo_(repo), prefix_(prefix), pathspecs_(pathspecs), visit_(visit) {}

  bool walk(const git_oid& tree_id, const std::string& base) {
    git_tree* raw = nullptr;
    if (git_tree_lookup(&raw, repo_, &tree_id) != 0) {
      failed_ = true;
      return false;
    }
    const TreePtr tree(raw);
    const size_t count = git_tree_entrycount(raw);
    for (size_t i = 0; i < count && !stopped_; ++i) {
      const git_tree_entry* entry = git_tree_entry_byindex(raw, i);
      const std::string path = base + git_tree_entry_name(entry);
      const auto mode = static_cast<uint32_t>(git_tree_entry_filemode(entry));
      if (mode == GIT_FILEMODE_TREE) {
        if (!any_matches(pathspecs_, path, true) && !any_below(pathspecs_, path)) {
          continue;
        }
        pending_.push_back({prefix_ + path + "/", mode, *git_tree_entry_id(entry)});
        const size_t depth = pending_.size();
        if (!walk(*git_tree_entry_id(entry), path + "/")) {
          return false;
        }
        pending_.resize(std::min(pending_.size(), depth - 1));
        continue;
      }
      if (!any_matches(pathspecs_, path, false)) {
        continue;
      }
      std::string archived = prefix_;
      archived.append(path).append(mode == GIT_FILEMODE_COMMIT ? "/" : "");
      if (!flush_pending() || !emit({std::move(archived), mode, *git_tree_entry_id(entry)})) {
        return false;
      }
    }
    return !stopped_ && !failed_;
  }

  bool emit(const ArchiveEntry& entry) {
    stopped_ = !visit_(entry);
    return !stopped_;
  }

  [[nodiscard]] bool failed() const { return failed_; }

 private:
  bool flush_pending() {
    for (const ArchiveEntry& directory : pending_) {
      if (!emit(directory)) {
        return false;
      }
    }
    pending_.clear();
    return true;
  }

  git_repository* repo_;
  std::string prefix_;
  const std::vector<std::string>& pathspecs_;
  const std::function<bool(const ArchiveEntry&)>& visit_;
  std::vector<ArchiveEntry> pending_;  // directories not written yet, outermost first
  bool stopped_ = false;
  bool failed_ = false;
};

// Whether any entry of the tree matches spec (archive.c path_exists()).
bool path_exists(git_repository* repo, const git_oid& tree_id, const std::string& base,
                 const std::string& spec) {
  git_tree* raw = nullptr;
  if (git_tree_lookup(&raw, repo, &tree_id) != 0) {
    return false;
  }
  const TreePtr tree(raw);
  for (size_t i = 0; i < git_tree_entrycount(raw); ++i) {
    const git_tree_entry* entry = git_tree_entry_byindex(raw, i);
    const std::string path = base + git_tree_entry_name(entry);
    const bool is_tree = git_tree_entry_filemode(entry) == GIT_FILEMODE_TREE;
    if (pathspec_matches(spec, path, is_tree)) {
      return true;
    }
    if (is_tree && pathspec_may_match_below(spec, path) &&
        path_exists(repo, *git_tree_entry_id(entry), path + "/", spec)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::variant<ArchiveSource, ArchiveArgsError> resolve_tree_ish(git_repository* repo,
                                                               std::string_view tree_ish,
                                                               bool allow_unreachable,
                                                               int64_t now) {
  auto found = lookup_tree_ish(repo, tree_ish, allow_unreachable);
  if (auto* error = std::get_if<ArchiveArgsError>(&found)) {
    return std::move(*error);
  }
  const ObjectPtr object = std::move(std::get<ObjectPtr>(found));
  ArchiveSource source;
  source.time = now;
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, object.get(), GIT_OBJECT_COMMIT) == 0) {
    const ObjectPtr commit(peeled);
    source.commit = *git_object_id(peeled);
    source.time = git_commit_time(reinterpret_cast<git_commit*>(peeled));
  }
  if (git_object_peel(&peeled, object.get(), GIT_OBJECT_TREE) != 0) {
    return ArchiveArgsError{"not a tree object: " + to_hex(*git_object_id(object.get()))};
  }
  const ObjectPtr tree(peeled);
  source.tree = *git_object_id(peeled);
  return source;
}

bool allow_unreachable(git_repository* repo) {
  git_config* raw = nullptr;
  if (git_repository_config_snapshot(&raw, repo) != 0) {
    return false;
  }
  const ConfigPtr config(raw);
  int allowed = 0;
  return git_config_get_bool(&allowed, raw, "uploadarchive.allowunreachable") == 0 && allowed != 0;
}

std::optional<std::string> normalize_pathspec(std::string_view path) {
  if (path.starts_with("/")) {
    return std::nullopt;
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, slash - start);
    if (part == "..") {
      if (parts.empty()) {
        return std::nullopt;
      }
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string out;
  for (const std::string_view part : parts) {
    out.append(out.empty() ? "" : "/").append(part);
  }
  // A trailing '/' (also "dir/." or "dir/..") keeps asking for a directory.
  const bool wants_directory = path.ends_with("/") || path.ends_with("/.") || path.ends_with("/..");
  if (wants_directory && !out.empty()) {
    out += '/';
  }
  return out;
}

bool pathspec_matches(std::string_view pathspec, std::string_view path, bool is_directory) {
  if (pathspec.empty()) {
    return true;
  }
  if (pathspec.ends_with("/")) {
    const std::string_view directory = pathspec.substr(0, pathspec.size() - 1);
    return (is_directory && path == directory) || path.starts_with(pathspec);
  }
  return path == pathspec || (path.size() > pathspec.size() && path.starts_with(pathspec) &&
                              path[pathspec.size()] == '/');
}

bool pathspec_may_match_below(std::string_view pathspec, std::string_view directory) {
  return pathspec.empty() || pathspec_matches(pathspec, directory, true) ||
         (pathspec.size() > directory.size() && pathspec.starts_with(directory) &&
          pathspec[directory.size()] == '/');
}

std::variant<std::vector<std::string>, ArchiveArgsError> check_pathspecs(
    git_repository* repo, const git_oid& tree, const std::vector<std::string>& paths) {
  std::vector<std::string> specs;
  for (const std::string& path : paths) {
    if (path.starts_with(":")) {
      return ArchiveArgsError{"pathspec magic is not supported by this server: '" + path + "'"};
    }
    if (path.find_first_of("*?[\\") != std::string::npos) {
      return ArchiveArgsError{"pathspec wildcards are not supported by this server: '" + path +
                              "'"};
    }
    auto normalized = normalize_pathspec(path);
    if (!normalized) {
      return ArchiveArgsError{"'" + path + "' is outside repository"};
    }
    // archive.c parse_pathspec_arg(): every non-empty pathspec must match something.
    if (!path.empty() && !path_exists(repo, tree, "", *normalized)) {
      return ArchiveArgsError{"pathspec '" + path + "' did not match any files"};
    }
    specs.push_back(std::move(*normalized));
  }
  return specs;
}

bool walk_archive_tree(git_repository* repo, const git_oid& tree, std::string_view prefix,
                       const std::vector<std::string>& pathspecs,
                       const std::function<bool(const ArchiveEntry&)>& visit) {
  Walker walker(repo, prefix, pathspecs, visit);
  // archive.c write_archive_entries(): a prefix ending in '/' is an entry of its own, first,
  // with the run of '/' at its end cut to one.
  if (prefix.ends_with("/")) {
    size_t length = prefix.size();
    while (length > 1 && prefix[length - 2] == '/') {
      --length;
    }
    if (!walker.emit({std::string(prefix.substr(0, length)), GIT_FILEMODE_TREE, tree})) {
      return true;
    }
  }
  return walker.walk(tree, "") || !walker.failed();
}

}  // namespace gitgate::git::detail
