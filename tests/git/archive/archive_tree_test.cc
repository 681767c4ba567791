#include "git/archive/archive_tree.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace gitgate::git::detail {
namespace {

// git's prefix_path() with no prefix (a remote request has none): normalize_path_copy().
TEST(ArchivePathspec, NormalizedAsGitDoes) {
  const std::vector<std::pair<std::string, std::optional<std::string>>> cases = {
      {"", ""},
      {".", ""},
      {"./", ""},
      {"a", "a"},
      {"a/", "a/"},
      {"a//b", "a/b"},
      {"./a/./b", "a/b"},
      {"a/../b", "b"},
      {"a/b/..", "a/"},
      {"a/.", "a/"},
      {"a/b/../../c/", "c/"},
      {"..", std::nullopt},
      {"../a", std::nullopt},
      {"a/../../b", std::nullopt},
      {"/etc/passwd", std::nullopt},
  };
  for (const auto& [path, normalized] : cases) {
    EXPECT_EQ(normalize_pathspec(path), normalized) << path;
  }
}

struct MatchCase {
  std::string pathspec;
  std::string path;
  bool is_directory;
  bool matches;
  bool below;  // may a match lie under path (a directory)?
};

// A literal pathspec matches itself and what lies under it; with a trailing '/' only a
// directory (git's pathspec rules without wildcards).
TEST(ArchivePathspec, MatchesLikeALiteralGitPathspec) {
  const std::vector<MatchCase> cases = {
      {"", "anything", false, true, true},
      {"d", "d", true, true, true},
      {"d", "d", false, true, true},
      {"d", "d/e/g1", false, true, true},
      {"d", "dx", false, false, false},
      {"d", "dx", true, false, false},
      {"d/", "d", true, true, true},
      {"d/", "d", false, false, false},
      {"d/", "d/x", false, true, true},
      {"d/e/g1", "d", true, false, true},
      {"d/e/g1", "d/e", true, false, true},
      {"d/e/g1", "d/e/g1", false, true, true},
      {"d/e/g1", "d/e/g2", false, false, false},
      {"d/e/g1", "d/ex", true, false, false},
      {"d/e", "d/e/g1/x", false, true, true},
  };
  for (const MatchCase& c : cases) {
    EXPECT_EQ(pathspec_matches(c.pathspec, c.path, c.is_directory), c.matches)
        << c.pathspec << " " << c.path;
    if (c.is_directory) {
      EXPECT_EQ(pathspec_may_match_below(c.pathspec, c.path), c.below)
          << c.pathspec << " " << c.path;
    }
  }
}

}  // namespace
}  // namespace gitgate::git::detail
