// Permission globs of the users file, over repository paths relative to the
// repositories root ("demo/repo.git").
#pragma once

#include <string>
#include <string_view>

namespace gitgate::auth::detail {

// '*' matches any run of characters INCLUDING '/', '?' any one character,
// everything else itself (fnmatch(3) without FNM_PATHNAME, and without bracket
// classes). So "*" means every repository and "demo/*" every repository under
// demo/ however deep, the way a project or group permission is inherited on
// Bitbucket and GitLab. Linear in practice: backtracks only to the last '*'.
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text);

// Why a glob can never match a repository path, or empty if it can.
[[nodiscard]] std::string glob_problem(std::string_view pattern);

// "demo/repo" and "demo/repo.git" name the same repository, in the path and in
// the glob alike; "demo/repo.git.git" is another one.
[[nodiscard]] bool repo_matches(std::string_view pattern, std::string_view repo_relative);

}  // namespace gitgate::auth::detail
