#include "auth/detail/glob.h"

namespace gitgate::auth::detail {
namespace {

constexpr std::string_view kGitSuffix = ".git";

}  // namespace

// The classic two-cursor wildcard match: on a mismatch, let the most recent '*'
// swallow one more character and retry from there. Earlier stars never need
// revisiting, because a later star can absorb anything an earlier one could.
bool glob_match(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;  // position of the last '*' seen
  size_t star_text = 0;                  // text position that star is matched up to
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

std::string glob_problem(std::string_view pattern) {
  if (pattern.empty()) {
    return "empty repository glob";
  }
  if (pattern.front() == '/') {
    return "repository globs are relative to the repositories root: drop the leading '/'";
  }
  return {};
}

// Both sides are compared in the ".git" spelling: the path gains the suffix if it
// lacks it, and a glob without it is also tried with it. Stripping the suffix
// instead would let "demo/repo.git" grant "demo/repo.git.git".
bool repo_matches(std::string_view pattern, std::string_view repo_relative) {
  std::string path(repo_relative);
  if (!path.ends_with(kGitSuffix)) {
    path += kGitSuffix;
  }
  if (glob_match(pattern, path)) {
    return true;
  }
  return !pattern.ends_with(kGitSuffix) && glob_match(std::string(pattern) + ".git", path);
}

}  // namespace gitgate::auth::detail
