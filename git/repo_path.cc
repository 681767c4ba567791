// Client path -> repository directory under the root. Two layers of defence:
//  1. the text: components are checked one by one ('.', '..', '~user', backslashes, control
//     bytes refused; empty components collapse), so a client cannot even name a path out;
//  2. the file system: the candidate is canonicalized (every symlink followed) and must still lie
//     strictly under the canonical root, so a symlink an administrator placed in the tree may point
//     within the root (an alias) but never outside it.
// Percent-encodings are not decoded: "%2e%2e" is a literal file name, which is harmless because
// only '/' separates components here.
//
// Which directories are repositories: bare ones only, like the repository layout of docs/DESIGN.md
// ('/demo/repo.git' -> <root>/demo/repo.git). A directory counts when it looks like a git dir
// (HEAD file, objects/ and refs/ directories). Unlike git's enter_repo() we do not try
// "<path>/.git" and refuse a ".git" component: a work tree under the root is not a hosted
// repository (pushes to its checked-out branch would be refused anyway), and serving its .git
// would give one repository two names for permission globs. For the same reason a git dir nested
// inside another repository (e.g. a bare repository's modules/<name>) is not served.
//
// The tree under the root belongs to the administrator: the checks stop client-chosen paths and
// stray symlinks, not a local user who can swap symlinks between our check and libgit2's open.
#include "git/repo_path.h"

#include <algorithm>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace gitgate::git {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxRequestedBytes = 4096;
constexpr std::string_view kGitSuffix = ".git";

RepoPathError invalid(std::string reason) { return {PathError::kInvalid, std::move(reason)}; }

// The requested path split on '/', empty components dropped, or why it is refused.
std::variant<std::vector<std::string_view>, RepoPathError> split_components(
    std::string_view requested) {
  if (requested.size() > kMaxRequestedBytes) {
    return invalid("repository path is longer than " + std::to_string(kMaxRequestedBytes) +
                   " bytes");
  }
  for (const char c : requested) {
    if (c == '\0') {
      return invalid("repository path contains a NUL byte");
    }
  }
  for (const char c : requested) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return invalid("repository path contains control characters");
    }
    if (c == '\\') {
      return invalid("repository path must not contain '\\'");
    }
  }
  std::vector<std::string_view> components;
  size_t start = 0;
  while (start <= requested.size()) {
    const size_t slash = std::min(requested.find('/', start), requested.size());
    const std::string_view component = requested.substr(start, slash - start);
    start = slash + 1;
    if (component.empty()) {
      continue;
    }
    if (components.empty() && component.front() == '~') {
      return invalid("'~user' repository paths are not supported");
    }
    if (component == "." || component == "..") {
      return invalid("repository path must not contain '.' or '..' components");
    }
    if (component == kGitSuffix) {
      return invalid("repository path must not contain a '.git' component");
    }
    components.push_back(component);
  }
  if (components.empty()) {
    return invalid("missing repository path");
  }
  return components;
}

bool looks_like_git_dir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "HEAD", ec) && fs::is_directory(dir / "objects", ec) &&
         fs::is_directory(dir / "refs", ec);
}

// Component-wise, so "/srv/git2" is not under "/srv/git"; the root itself is not under itself.
bool strictly_under(const fs::path& path, const fs::path& root) {
  auto [root_end, path_it] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end() && path_it != path.end();
}

bool inside_another_repository(const fs::path& repository, const fs::path& root) {
  for (fs::path dir = repository.parent_path(); strictly_under(dir, root);
       dir = dir.parent_path()) {
    if (looks_like_git_dir(dir)) {
      return true;
    }
  }
  return false;
}

std::string join(const std::vector<std::string_view>& components) {
  std::string joined;
  for (const auto component : components) {
    if (!joined.empty()) {
      joined.push_back('/');
    }
    joined.append(component);
  }
  return joined;
}

}  // namespace

std::variant<ResolvedRepository, RepoPathError> resolve_repository(const fs::path& root,
                                                                   std::string_view requested) {
  auto split = split_components(requested);
  if (auto* error = std::get_if<RepoPathError>(&split)) {
    return std::move(*error);
  }
  const std::string joined = join(std::get<std::vector<std::string_view>>(split));
  // The same words for "missing" and "outside": the client learns nothing about the tree.
  const std::string not_found = "repository '/" + joined + "' does not exist";

  std::error_code ec;
  const fs::path canonical_root = fs::canonical(root, ec);
  if (ec) {
    return RepoPathError{PathError::kNotFound, not_found};
  }
  std::vector<std::string> candidates = {joined};
  if (!joined.ends_with(kGitSuffix)) {  // "repo.git.git" would only be a surprise
    candidates.push_back(joined + std::string(kGitSuffix));
  }
  bool outside = false;
  for (const auto& candidate : candidates) {
    const fs::path directory = fs::canonical(canonical_root / candidate, ec);
    if (ec) {
      continue;
    }
    if (!strictly_under(directory, canonical_root)) {
      outside = true;
      continue;
    }
    if (!looks_like_git_dir(directory) || inside_another_repository(directory, canonical_root)) {
      continue;
    }
    // Relative to the root in canonical form: an alias symlink is checked against the
    // permissions of the repository it points to.
    std::string relative = directory.lexically_relative(canonical_root).generic_string();
    std::string display = "/" + relative;
    return ResolvedRepository{directory, std::move(relative), std::move(display)};
  }
  return RepoPathError{outside ? PathError::kOutsideRoot : PathError::kNotFound, not_found};
}

}  // namespace gitgate::git
