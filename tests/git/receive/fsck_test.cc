#include "git/receive/fsck.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "git/pack/oid.h"
#include "git/receive/detail/fsck_tree.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

using gitgate::git::testing::GitFixture;
using namespace std::string_literals;

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

const std::string kTreeHex = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
const std::string kParentHex = "e83c5163316f89bfbde7d9ab23ca2e25604af290";
const std::string kIdent = "A U Thor <author@example.com> 1234567890 +0100";

// A commit whose author line is ident (and whose other lines are well formed).
std::string commit_with_author(const std::string& ident) {
  return "tree " + kTreeHex + "\nauthor " + ident + "\ncommitter " + kIdent + "\n\nmessage\n";
}

std::string tag_with(const std::string& type, const std::string& tagger) {
  return "object " + kParentHex + "\ntype " + type + "\ntag v1\ntagger " + tagger + "\n\nmsg\n";
}

// One tree entry: "<mode> <name>\0<20-byte id>", the id all `fill` bytes.
std::string entry(const std::string& mode, const std::string& name, char fill = '\x11') {
  return mode + " " + name + std::string(1, '\0') + std::string(GIT_OID_RAWSZ, fill);
}
std::string file(const std::string& name) { return entry("100644", name); }
std::string dir(const std::string& name) { return entry("40000", name); }

// What the git on this machine (2.39) says of a malformed object under `git fsck --strict`:
// the same line, or a refusal from its object parser, which runs before fsck.c and stops
// some malformed commits and tags first ("bogus commit object"); kSkip where it is older.
enum class GitSays { kSameLine, kRefuses, kSkip };

struct Case {
  std::string name;
  git_object_t type;
  std::string body;
  std::string id;       // empty: well formed
  std::string message;  // git's text, checked when the case has an id
  GitSays git = GitSays::kSameLine;
};

std::vector<Case> cases() {
  const std::string tree_line = "tree " + kTreeHex + "\n";
  const std::string idents = "author " + kIdent + "\ncommitter " + kIdent + "\n";
  const std::string ident_prefix = "invalid author/committer line - ";
  return {
      // Commits.
      {"commit_ok", GIT_OBJECT_COMMIT, commit_with_author(kIdent), "", ""},
      {"commit_merge_ok", GIT_OBJECT_COMMIT,
       tree_line + "parent " + kParentHex + "\nparent " + kParentHex + "\n" + idents +
           "encoding UTF-8\n\nm\n",
       "", ""},
      {"commit_no_message_ok", GIT_OBJECT_COMMIT, tree_line + idents, "", ""},
      {"commit_date_zero_ok", GIT_OBJECT_COMMIT, commit_with_author("A <a@b> 0 +0000"), "", ""},
      {"commit_extra_blanks_ok", GIT_OBJECT_COMMIT, commit_with_author("A <a@b> \t 1 -0130"), "",
       ""},
      {"nul_in_header", GIT_OBJECT_COMMIT, "tree " + kTreeHex + "\nauthor A\0<a@b>\n\n"s,
       "nulInHeader", "unterminated header: NUL at offset 54"},
      {"unterminated_header", GIT_OBJECT_COMMIT, tree_line + "author A <a@b> 1 +0000",
       "unterminatedHeader", "unterminated header"},
      {"empty_commit", GIT_OBJECT_COMMIT, "", "unterminatedHeader", "unterminated header",
       GitSays::kRefuses},
      {"missing_tree", GIT_OBJECT_COMMIT, idents + "\nm\n", "missingTree",
       "invalid format - expected 'tree' line", GitSays::kRefuses},
      {"bad_tree_sha1", GIT_OBJECT_COMMIT, "tree " + kTreeHex.substr(1) + "x\n" + idents,
       "badTreeSha1", "invalid 'tree' line format - bad sha1", GitSays::kRefuses},
      {"bad_tree_sha1_long", GIT_OBJECT_COMMIT, "tree " + kTreeHex + "0\n" + idents, "badTreeSha1",
       "invalid 'tree' line format - bad sha1", GitSays::kRefuses},
      {"bad_parent_sha1", GIT_OBJECT_COMMIT, tree_line + "parent 1234\n" + idents, "badParentSha1",
       "invalid 'parent' line format - bad sha1", GitSays::kRefuses},
      {"missing_author", GIT_OBJECT_COMMIT, tree_line + "committer " + kIdent + "\n",
       "missingAuthor", "invalid format - expected 'author' line"},
      {"multiple_authors", GIT_OBJECT_COMMIT, tree_line + "author " + kIdent + "\n" + idents,
       "multipleAuthors", "invalid format - multiple 'author' lines"},
      {"missing_committer", GIT_OBJECT_COMMIT, tree_line + "author " + kIdent + "\n\nm\n",
       "missingCommitter", "invalid format - expected 'committer' line"},
      {"missing_name_before_email", GIT_OBJECT_COMMIT, commit_with_author("<a@b> 1 +0000"),
       "missingNameBeforeEmail", ident_prefix + "missing space before email"},
      {"missing_email", GIT_OBJECT_COMMIT, commit_with_author("A 1 +0000"), "missingEmail",
       ident_prefix + "missing email"},
      {"bad_name", GIT_OBJECT_COMMIT, commit_with_author("A> <a@b> 1 +0000"), "badName",
       ident_prefix + "bad name"},
      {"missing_space_before_email", GIT_OBJECT_COMMIT, commit_with_author("A<a@b> 1 +0000"),
       "missingSpaceBeforeEmail", ident_prefix + "missing space before email"},
      {"bad_email", GIT_OBJECT_COMMIT, commit_with_author("A <a<b> 1 +0000"), "badEmail",
       ident_prefix + "bad email"},
      {"bad_email_unclosed", GIT_OBJECT_COMMIT, commit_with_author("A <a@b 1 +0000"), "badEmail",
       ident_prefix + "bad email"},
      {"missing_space_before_date", GIT_OBJECT_COMMIT, commit_with_author("A <a@b>1 +0000"),
       "missingSpaceBeforeDate", ident_prefix + "missing space before date"},
      {"bad_date", GIT_OBJECT_COMMIT, commit_with_author("A <a@b> x +0000"), "badDate",
       ident_prefix + "bad date"},
      {"bad_date_no_space", GIT_OBJECT_COMMIT, commit_with_author("A <a@b> 12x +0000"), "badDate",
       ident_prefix + "bad date"},
      {"zero_padded_date", GIT_OBJECT_COMMIT, commit_with_author("A <a@b> 0123 +0000"),
       "zeroPaddedDate", ident_prefix + "zero-padded date"},
      {"bad_date_overflow", GIT_OBJECT_COMMIT,
       commit_with_author("A <a@b> 9223372036854775808 +0000"), "badDateOverflow",
       ident_prefix + "date causes integer overflow"},
      {"date_max_ok", GIT_OBJECT_COMMIT, commit_with_author("A <a@b> 9223372036854775807 +0000"),
       "", ""},
      {"bad_date_overflow_long", GIT_OBJECT_COMMIT,
       commit_with_author("A <a@b> 99999999999999999999999999999 +0000"), "badDateOverflow",
       ident_prefix + "date causes integer overflow"},
      {"bad_timezone", GIT_OBJECT_COMMIT, commit_with_author("A <a@b> 1 +01"), "badTimezone",
       ident_prefix + "bad time zone"},
      {"bad_timezone_trailing", GIT_OBJECT_COMMIT, commit_with_author("A <a@b> 1 +01000"),
       "badTimezone", ident_prefix + "bad time zone"},
      {"bad_committer", GIT_OBJECT_COMMIT,
       tree_line + "author " + kIdent + "\ncommitter C <c@d> 1 0100\n", "badTimezone",
       ident_prefix + "bad time zone"},
      {"nul_in_commit", GIT_OBJECT_COMMIT, tree_line + idents + "\nm\0x\n"s, "nulInCommit",
       "NUL byte in the commit object body"},
      // Tags.
      {"tag_ok", GIT_OBJECT_TAG, tag_with("commit", kIdent), "", ""},
      {"tag_without_tagger_ok", GIT_OBJECT_TAG,
       "object " + kParentHex + "\ntype tree\ntag v1\n\nmsg\n", "", ""},
      {"tag_bad_name_is_a_warning", GIT_OBJECT_TAG,
       "object " + kParentHex + "\ntype blob\ntag a..b\n\nmsg\n", "", ""},
      {"missing_object", GIT_OBJECT_TAG, "type commit\ntag v1\n\n", "missingObject",
       "invalid format - expected 'object' line", GitSays::kRefuses},
      {"bad_object_sha1", GIT_OBJECT_TAG, "object 12\ntype commit\ntag v1\n\n", "badObjectSha1",
       "invalid 'object' line format - bad sha1", GitSays::kRefuses},
      {"missing_type_entry", GIT_OBJECT_TAG, "object " + kParentHex + "\ntag v1\n\n",
       "missingTypeEntry", "invalid format - expected 'type' line", GitSays::kRefuses},
      {"bad_type", GIT_OBJECT_TAG, tag_with("commits", kIdent), "badType", "invalid 'type' value",
       GitSays::kRefuses},
      {"missing_tag_entry", GIT_OBJECT_TAG, "object " + kParentHex + "\ntype commit\n\nmsg\n",
       "missingTagEntry", "invalid format - expected 'tag' line", GitSays::kRefuses},
      {"bad_tagger", GIT_OBJECT_TAG, tag_with("commit", "T <t@x> 1 +0000 x"), "badTimezone",
       ident_prefix + "bad time zone"},
      {"bad_tagger_then_extra_header", GIT_OBJECT_TAG,
       tag_with("commit", "T <t@x> 1 +0000 x\nextra header"), "badTimezone",
       ident_prefix + "bad time zone"},
      // Trees.
      {"empty_tree_ok", GIT_OBJECT_TREE, "", "", ""},
      {"tree_ok", GIT_OBJECT_TREE,
       entry("100755", "a.sh") + file("bar.c") + dir("bar") + file("foo") + file("foo.bar") +
           entry("120000", "link") + entry("160000", "sub"),
       "", ""},
      {"bad_filemode_is_a_warning", GIT_OBJECT_TREE, entry("100664", "a") + entry("100600", "b"),
       "", ""},
      {"bad_tree_short", GIT_OBJECT_TREE, "100644 a\0"s, "badTree", "cannot be parsed as a tree"},
      {"bad_tree_mode", GIT_OBJECT_TREE, entry("10064x", "a"), "badTree",
       "cannot be parsed as a tree"},
      {"bad_tree_no_mode", GIT_OBJECT_TREE, entry("", "a"), "badTree",
       "cannot be parsed as a tree"},
      {"bad_tree_empty_name", GIT_OBJECT_TREE, entry("100644", ""), "badTree",
       "cannot be parsed as a tree"},
      {"bad_tree_second_entry", GIT_OBJECT_TREE, file("a") + "100644 b", "badTree",
       "cannot be parsed as a tree"},
      {"null_sha1", GIT_OBJECT_TREE, entry("100644", "a", '\0'), "nullSha1",
       "contains entries pointing to null sha1"},
      {"full_pathname", GIT_OBJECT_TREE, file("a/b"), "fullPathname", "contains full pathnames"},
      {"has_dot", GIT_OBJECT_TREE, dir("."), "hasDot", "contains '.'"},
      {"has_dotdot", GIT_OBJECT_TREE, dir(".."), "hasDotdot", "contains '..'"},
      {"has_dotgit", GIT_OBJECT_TREE, dir(".git"), "hasDotgit", "contains '.git'"},
      {"has_dotgit_case", GIT_OBJECT_TREE, dir(".GiT"), "hasDotgit", "contains '.git'"},
      {"has_dotgit_ntfs_short", GIT_OBJECT_TREE, dir("GIT~1"), "hasDotgit", "contains '.git'"},
      {"has_dotgit_ntfs_space", GIT_OBJECT_TREE, dir(".git "), "hasDotgit", "contains '.git'"},
      {"has_dotgit_ntfs_dot", GIT_OBJECT_TREE, dir(".git."), "hasDotgit", "contains '.git'"},
      {"has_dotgit_ntfs_stream", GIT_OBJECT_TREE, dir(".git::$INDEX_ALLOCATION"), "hasDotgit",
       "contains '.git'"},
      {"has_dotgit_backslash", GIT_OBJECT_TREE, dir("a\\.git"), "hasDotgit", "contains '.git'"},
      {"has_dotgit_hfs_zwnj", GIT_OBJECT_TREE, dir(".g\u200cit"), "hasDotgit", "contains '.git'"},
      {"has_dotgit_hfs_bom", GIT_OBJECT_TREE, dir("\ufeff.GIT\u200d"), "hasDotgit",
       "contains '.git'"},
      {"dotgitfoo_ok", GIT_OBJECT_TREE, dir(".gitfoo") + dir("git~2"), "", ""},
      {"zero_padded_filemode", GIT_OBJECT_TREE, entry("040000", "a"), "zeroPaddedFilemode",
       "contains zero-padded file modes"},
      {"duplicate_entries", GIT_OBJECT_TREE, file("a") + file("a"), "duplicateEntries",
       "contains duplicate file entries"},
      {"duplicate_file_and_dir", GIT_OBJECT_TREE, file("foo") + file("foo.bar") + dir("foo"),
       "duplicateEntries", "contains duplicate file entries"},
      {"tree_not_sorted", GIT_OBJECT_TREE, file("b") + file("a"), "treeNotSorted",
       "not properly sorted"},
      {"tree_not_sorted_dir", GIT_OBJECT_TREE, dir("a") + file("a.c"), "treeNotSorted",
       "not properly sorted"},
      {"large_pathname", GIT_OBJECT_TREE, file(std::string(4097, 'x')), "largePathname",
       "contains excessively large pathname", GitSays::kSkip},  // not in git 2.39
      {"gitmodules_symlink", GIT_OBJECT_TREE, entry("120000", ".gitmodules"), "gitmodulesSymlink",
       ".gitmodules is a symbolic link"},
      {"gitmodules_symlink_ntfs", GIT_OBJECT_TREE, entry("120000", "GI7EBA~1"), "gitmodulesSymlink",
       ".gitmodules is a symbolic link"},
      {"first_of_many", GIT_OBJECT_TREE, dir(".git") + entry("100644", "a", '\0'), "nullSha1",
       "contains entries pointing to null sha1"},
      // Blobs.
      {"blob_ok", GIT_OBJECT_BLOB, "anything\0at all"s, "", ""},
  };
}

TEST(FsckTest, EachProblemIsReportedAsGitDoes) {
  for (const Case& c : cases()) {
    const auto problem = fsck_object(c.type, bytes(c.body));
    if (c.id.empty()) {
      EXPECT_FALSE(problem.has_value()) << c.name << ": " << (problem ? problem->id : "");
      continue;
    }
    ASSERT_TRUE(problem.has_value()) << c.name;
    EXPECT_EQ(problem->id, c.id) << c.name;
    EXPECT_EQ(problem->message, c.message) << c.name;
  }
}

// Every prefix of a well-formed object is checked without reading past its end (the
// sanitizers of the fuzz target watch the same); the whole object passes.
TEST(FsckTest, EveryTruncationIsSafe) {
  for (const Case& c : cases()) {
    for (size_t n = 0; n <= c.body.size(); ++n) {
      const std::string prefix = c.body.substr(0, n);
      (void)fsck_object(c.type, bytes(prefix));
    }
  }
}

TEST(FsckTest, MessageIsGitsLine) {
  git_oid id{};
  ASSERT_TRUE(parse_oid(kParentHex, id));
  EXPECT_EQ(fsck_message(id, {"hasDotgit", "contains '.git'"}),
            "object " + kParentHex + ": hasDotgit: contains '.git'");
}

TEST(FsckTest, DotgitNames) {
  for (const char* name :
       {".git", ".GIT", "git~1", "Git~1", ".git ", ".git.", ".git . .", ".git:stream", ".git/x"}) {
    EXPECT_TRUE(is_ntfs_dotgit(name)) << name;
  }
  for (const char* name : {".gitx", "git~2", "git", ".gi", "", ".git x", "x.git"}) {
    EXPECT_FALSE(is_ntfs_dotgit(name)) << name;
  }
  for (const char* name : {".git", ".GIT", ".g\u200eit", "\u202a.git", ".git/x", ".git\xff"}) {
    EXPECT_TRUE(is_hfs_dotgit(name)) << name;
  }
  for (const char* name : {".gitx", ".git ", ".gi\xc3\xa9", ".g\u00efit", "\xff.git", ".gi"}) {
    EXPECT_FALSE(is_hfs_dotgit(name)) << name;
  }
}

class FsckGitTest : public GitFixture {
 protected:
  // Writes body as a loose object with git (no checks) and returns its id.
  std::string write_object(const std::string& type, const std::string& body) {
    const std::filesystem::path path = dir_ / "body";
    std::ofstream(path, std::ios::binary) << body;
    std::string id = sh(fmt::format("git -C repo hash-object -t {} --literally -w {}", type,
                                    gitgate::git::testing::quote(path)));
    id.resize(id.find_first_of('\n'));
    return id;
  }
};

// Objects made by git itself pass: every object of a sample repository, and a tree whose
// names sort differently as files and as directories.
TEST_F(FsckGitTest, ObjectsWrittenByGitPass) {
  make_sample_repository();
  sh("cd src && mkdir -p foo foo.bar/x && touch foo-x foo.c foo.bar/x/y foo/z 'a b' && "
     "ln -s foo link && git add -A && git commit -qm names");
  const std::string ids =
      sh("git -C src cat-file --batch-all-objects --batch-check='%(objectname) %(objecttype)'");
  std::istringstream lines(ids);
  std::string hex;
  std::string type;
  int checked = 0;
  while (lines >> hex >> type) {
    const std::string body = sh(fmt::format("git -C src cat-file {} {}", type, hex));
    const auto problem = fsck_object(git_object_string2type(type.c_str()), bytes(body));
    EXPECT_FALSE(problem.has_value()) << hex << " " << type << ": " << (problem ? problem->id : "");
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

// git fsck --strict refuses every malformed object of the table, with the same line where
// its parser lets fsck.c see the object, and has at most a warning for the others (a bad
// file mode or tag name is a warning even under --strict).
TEST_F(FsckGitTest, GitAgreesOnEachObject) {
  const std::regex fsck_error("error in [a-z]+ [0-9a-f]{40}: [a-z]+[A-Z][A-Za-z0-9]*:");
  sh("git init -q --bare repo");
  for (const Case& c : cases()) {
    if (c.git == GitSays::kSkip) {
      continue;
    }
    const std::string id = write_object(git_object_type2string(c.type), c.body);
    const auto result =
        gitgate::git::testing::run(fmt::format("git -C {} fsck --strict --no-dangling {} 2>&1",
                                               gitgate::git::testing::quote(dir_ / "repo"), id));
    // (The exit status says little: the ids in these objects name missing objects.)
    if (c.id.empty()) {
      // "error in tree <id>: broken links" is about the missing objects, not this one.
      EXPECT_FALSE(std::regex_search(result.output, fsck_error)) << c.name << "\n" << result.output;
    } else {
      const std::string expected = c.git == GitSays::kSameLine
                                       ? fmt::format("{}: {}", c.id, c.message)
                                       : fmt::format("{}: object could not be parsed", id);
      EXPECT_NE(result.output.find(expected), std::string::npos) << c.name << "\n" << result.output;
      if (c.git == GitSays::kSameLine) {  // the pattern the passing objects must not show
        EXPECT_TRUE(std::regex_search(result.output, fsck_error)) << c.name;
      }
    }
    sh("rm -f repo/objects/" + id.substr(0, 2) + "/" + id.substr(2));
  }
}

TEST_F(FsckGitTest, BadFilemodeIsAWarningInGit) {
  sh("git init -q --bare repo");
  const std::string id = write_object("tree", entry("100664", "a"));
  const auto result = gitgate::git::testing::run(fmt::format(
      "git -C {} fsck --strict {} 2>&1", gitgate::git::testing::quote(dir_ / "repo"), id));
  EXPECT_NE(result.output.find("warning in tree " + id + ": badFilemode"), std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("error in"), std::string::npos) << result.output;
  EXPECT_FALSE(fsck_object(GIT_OBJECT_TREE, bytes(entry("100664", "a"))).has_value());
}

}  // namespace
}  // namespace gitgate::git::detail
