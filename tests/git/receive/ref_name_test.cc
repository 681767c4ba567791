#include "git/receive/ref_name.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

struct Case {
  std::string name;
  bool valid;  // git 2.39's verdict: receive-pack accepts it as a pushed ref name
};

// Each rule of refs.c check_refname_format, on both sides of it, and receive-pack's
// "refs/" prefix.
const std::vector<Case>& cases() {
  static const std::vector<Case> kTable = {
      {"refs/heads/main", true},
      {"refs/heads/feature/a-b_c.d", true},
      {"refs/tags/v1.0", true},
      {"refs/heads/\xc3\xa9t\xc3\xa9", true},  // bytes >= 0x80 are allowed
      {"refs/heads/a@b", true},
      {"refs/heads/a{b}", true},
      {"refs/heads/@", true},  // "@" alone is refused only as the whole name
      {"refs/heads/a.b.c", true},
      {"refs/heads/x.lockx", true},
      {"refs/heads/.x.lock/y", false},
      {"refs/heads/a.lock/b", false},
      {"refs/heads/a.lock", false},
      {"refs/for/main%topic=x", true},
      {"refs/heads/-dash", true},
      {"refs/x", false},  // one level after refs/: check_refname_format(name + 5, 0) fails
      {"refs/", false},
      {"refs", false},
      {"heads/main", false},  // outside refs/: "funny refname"
      {"HEAD", false},
      {"@", false},
      {"", false},
      {"refs/heads/.hidden", false},
      {"refs/heads/a/.b", false},
      {"refs/heads/a..b", false},
      {"refs/heads/a.", false},
      {"refs/heads/a/", false},
      {"refs/heads//a", false},
      {"refs//heads/a", false},
      {"refs/heads/a b", false},
      {"refs/heads/a~1", false},
      {"refs/heads/a^", false},
      {"refs/heads/a:b", false},
      {"refs/heads/a?", false},
      {"refs/heads/a*", false},
      {"refs/heads/a[b", false},
      {"refs/heads/a\\b", false},
      {"refs/heads/a\tb", false},
      {"refs/heads/a\x7f", false},
      {"refs/heads/a\x01", false},
      {"refs/heads/a@{1}", false},
      {"refs/heads/@{", false},
      {"/refs/heads/a", false},
      {"refs/heads/a/b/c/d", true},
  };
  return kTable;
}

// A delete passes REFNAME_ALLOW_ONELEVEL (git 2.41): one level under refs/ is allowed,
// every other rule still holds.
const std::vector<Case>& delete_cases() {
  static const std::vector<Case> kTable = {
      {"refs/x", true},       {"refs/heads/main", true}, {"refs/", false},
      {"refs/@", false},      {"refs/.x", false},        {"refs/x.", false},
      {"refs/x.lock", false}, {"refs/a..b", false},      {"refs/a b", false},
      {"x", false},           {"refs", false},           {"refs/x/", false},
  };
  return kTable;
}

TEST(PushedRefName, Table) {
  for (const Case& c : cases()) {
    const auto verdict = check_pushed_ref_name(c.name);
    EXPECT_EQ(!verdict.has_value(), c.valid) << "'" << c.name << "'";
    if (verdict) {
      EXPECT_EQ(*verdict, "funny refname") << c.name;
    }
    if (c.valid) {  // what may be created may be deleted
      EXPECT_EQ(check_pushed_ref_name(c.name, true), std::nullopt) << c.name;
    }
  }
  for (const Case& c : delete_cases()) {
    EXPECT_EQ(!check_pushed_ref_name(c.name, true).has_value(), c.valid) << "'" << c.name << "'";
  }
}

// The tables against the real git: receive-pack checks the part after "refs/" with
// check_refname_format(name + 5, 0), which is `git check-ref-format <name + 5>`, or for a
// delete with REFNAME_ALLOW_ONELEVEL, `--allow-onelevel`. Names git's command line cannot
// take (control bytes) are left to the tables above.
TEST(PushedRefName, AgreesWithGitCheckRefFormat) {
  if (testing::run("git --version").status != 0) {
    GTEST_SKIP() << "no git";
  }
  size_t checked = 0;
  for (const auto& [table, flags] :
       {std::pair{&cases(), ""}, std::pair{&delete_cases(), "--allow-onelevel "}}) {
    for (const Case& c : *table) {
      if (!c.name.starts_with("refs/") || std::any_of(c.name.begin(), c.name.end(), [](char ch) {
            return static_cast<unsigned char>(ch) < 0x20 || ch == '\'';
          })) {
        continue;
      }
      const auto result =
          testing::run(std::string("git check-ref-format ") + flags + "'" + c.name.substr(5) + "'");
      EXPECT_EQ(result.status == 0, c.valid) << flags << c.name << ": " << result.output;
      ++checked;
    }
  }
  EXPECT_GT(checked, 40U);
}

}  // namespace
}  // namespace gitgate::git::detail
