// Maps a client's repository path onto a directory under the repositories root,
// so that nothing escapes the root.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

namespace gitgate::git {

struct ResolvedRepository {
  std::filesystem::path directory;  // canonical, under the root
  std::string relative;             // "demo/repo.git": for permission globs
  std::string display;              // "/demo/repo.git": for the access log
};

enum class PathError : uint8_t { kInvalid, kNotFound, kOutsideRoot };

struct RepoPathError {
  PathError kind = PathError::kInvalid;
  std::string reason;
};

// "/demo/repo.git", "demo/repo", "~/x" refused; ".." and symlinks out of root refused;
// tries "<path>" then "<path>.git".
[[nodiscard]] std::variant<ResolvedRepository, RepoPathError> resolve_repository(
    const std::filesystem::path& root, std::string_view requested);

}  // namespace gitgate::git
