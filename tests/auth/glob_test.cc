#include "auth/detail/glob.h"

#include <gtest/gtest.h>

namespace gitgate::auth::detail {
namespace {

struct Case {
  std::string_view pattern;
  std::string_view text;
  bool match;
};

TEST(GlobTest, MatchesLikeFnmatchWithoutPathname) {
  const Case cases[] = {
      {"*", "demo/repo.git", true},  // '*' crosses '/': "*" is every repository
      {"*", "", true},
      {"demo/*", "demo/repo.git", true},
      {"demo/*", "demo/sub/x.git", true},  // deeper paths too, like inherited permissions
      {"demo/*", "demo/", true},
      {"demo/*", "demo", false},
      {"demo/*", "demos/repo.git", false},
      {"demo/*", "other/demo/repo.git", false},
      {"*/repo.git", "demo/repo.git", true},
      {"*/repo.git", "demo/other.git", false},
      {"demo/repo.git", "demo/repo.git", true},
      {"demo/repo.git", "demo/repo.gitx", false},
      {"demo/r?po.git", "demo/repo.git", true},
      {"demo/r?po.git", "demo/rpo.git", false},
      {"?", "", false},
      {"", "", true},
      {"", "a", false},
      {"a*b*c", "abc", true},
      {"a*b*c", "axxbyyc", true},
      {"a*b*c", "axxbyycd", false},
      {"a*b*c", "acb", false},
      {"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
      {"**", "x/y/z", true},
      {"[ab]", "a", false},  // no bracket classes: '[' is literal
      {"[ab]", "[ab]", true},
      {"Demo/*", "demo/x.git", false},  // case-sensitive, like the file system
  };
  for (const auto& [pattern, text, match] : cases) {
    EXPECT_EQ(glob_match(pattern, text), match) << pattern << " vs " << text;
  }
}

TEST(GlobTest, RepoPathMatchesWithOrWithoutGitSuffix) {
  const Case cases[] = {
      {"demo/repo.git", "demo/repo.git", true},
      {"demo/repo", "demo/repo.git", true},
      {"demo/repo.git", "demo/repo", true},
      {"demo/repo", "demo/repo", true},
      {"demo/*.git", "demo/repo", true},
      {"demo/repo", "demo/repo2.git", false},
      {"demo/repo.git", "demo/repo.git.git", false},
      {"demo/repo", "demo/repo.git.git", false},
      {"demo/repo.git.git", "demo/repo.git", false},
      {"demo/*", "demo/sub/x", true},
      {"*.git", ".git", true},
      {"demo/*", "other/repo.git", false},
  };
  for (const auto& [pattern, text, match] : cases) {
    EXPECT_EQ(repo_matches(pattern, text), match) << pattern << " vs " << text;
  }
}

TEST(GlobTest, ReportsGlobsThatCanNeverMatch) {
  EXPECT_EQ(glob_problem("demo/*"), "");
  EXPECT_EQ(glob_problem("*"), "");
  EXPECT_NE(glob_problem(""), "");
  EXPECT_NE(glob_problem("/demo/*"), "");
}

}  // namespace
}  // namespace gitgate::auth::detail
