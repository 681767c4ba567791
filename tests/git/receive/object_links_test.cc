#include "git/receive/object_links.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

#include "git/pack/oid.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// "T:<hex>", "C:<hex>", "B:<hex>", "A:<hex>" per link.
std::vector<std::string> describe(const std::optional<std::vector<ObjectLink>>& links) {
  std::vector<std::string> out;
  if (!links) {
    return {"invalid"};
  }
  for (const ObjectLink& link : *links) {
    const char* kind = link.kind == LinkKind::kTree     ? "T:"
                       : link.kind == LinkKind::kCommit ? "C:"
                       : link.kind == LinkKind::kBlob   ? "B:"
                                                        : "A:";
    out.push_back(kind + to_hex(link.id));
  }
  return out;
}

const std::string kA(40, 'a');
const std::string kB(40, 'b');
const std::string kC(40, 'c');

TEST(ObjectLinks, Commits) {
  struct Case {
    std::string body;
    std::vector<std::string> links;
  };
  const std::vector<Case> cases = {
      {"tree " + kA + "\nauthor x\n\nmsg", {"T:" + kA}},
      {"tree " + kA + "\nparent " + kB + "\nparent " + kC + "\nauthor x\n\nmsg",
       {"T:" + kA, "C:" + kB, "C:" + kC}},
      // Parents come right after the tree (git's parse_commit_buffer); later ones are not.
      {"tree " + kA + "\nauthor x\nparent " + kB + "\n\n", {"T:" + kA}},
      {"tree " + kA, {"invalid"}},
      {"parent " + kB + "\ntree " + kA + "\n", {"invalid"}},
      {"tree " + kA.substr(1) + "\n", {"invalid"}},
      {"tree " + std::string(40, 'g') + "\n", {"invalid"}},
      {"", {"invalid"}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(describe(object_links(GIT_OBJECT_COMMIT, bytes(c.body))), c.links) << c.body;
  }
}

TEST(ObjectLinks, Tags) {
  EXPECT_EQ(describe(object_links(GIT_OBJECT_TAG, bytes("object " + kA + "\ntype commit\n"))),
            (std::vector<std::string>{"A:" + kA}));
  EXPECT_EQ(describe(object_links(GIT_OBJECT_TAG, bytes("type commit\nobject " + kA + "\n"))),
            (std::vector<std::string>{"invalid"}));
}

std::string entry(const std::string& mode, const std::string& name, char fill) {
  return mode + " " + name + std::string(1, '\0') + std::string(20, fill);
}

TEST(ObjectLinks, Trees) {
  git_oid a{};
  git_oid b{};
  git_oid c{};
  std::memset(a.id, 'a', sizeof a.id);
  std::memset(b.id, 'b', sizeof b.id);
  std::memset(c.id, 'c', sizeof c.id);
  const std::string tree = entry("100644", "f", 'a') + entry("40000", "d", 'b') +
                           entry("160000", "sub", 'x') + entry("120000", "l", 'c');
  EXPECT_EQ(describe(object_links(GIT_OBJECT_TREE, bytes(tree))),
            (std::vector<std::string>{"B:" + to_hex(a), "T:" + to_hex(b), "B:" + to_hex(c)}));
  EXPECT_EQ(describe(object_links(GIT_OBJECT_TREE, bytes(""))), std::vector<std::string>{});
  // Cut anywhere inside an entry, the tree does not parse.
  const std::string one = entry("100644", "file", 'a');
  for (size_t cut = 1; cut < one.size(); ++cut) {
    EXPECT_EQ(describe(object_links(GIT_OBJECT_TREE, bytes(one.substr(0, cut)))),
              (std::vector<std::string>{"invalid"}))
        << cut;
  }
  EXPECT_EQ(describe(object_links(GIT_OBJECT_TREE, bytes("100644file" + std::string(1, '\0') +
                                                         std::string(20, 'a')))),
            (std::vector<std::string>{"invalid"}));
  // As git's decode_tree_entry: an empty or non-octal mode, an empty name (the fuzzer's find).
  for (const std::string& bad : {entry("", "f", 'a'), entry("100689", "f", 'a'),
                                 entry("1006x4", "f", 'a'), entry("100644", "", 'a')}) {
    EXPECT_EQ(describe(object_links(GIT_OBJECT_TREE, bytes(bad))),
              (std::vector<std::string>{"invalid"}))
        << bad;
  }
}

TEST(ObjectLinks, BlobsHaveNoneAndOtherTypesAreInvalid) {
  EXPECT_EQ(describe(object_links(GIT_OBJECT_BLOB, bytes("anything"))), std::vector<std::string>{});
  EXPECT_EQ(describe(object_links(GIT_OBJECT_OFS_DELTA, bytes("x"))),
            (std::vector<std::string>{"invalid"}));
}

// Against git: the links of each object of a real repository are what git cat-file says.
class ObjectLinksWithGit : public testing::GitFixture {};

TEST_F(ObjectLinksWithGit, AgreeWithGit) {
  make_sample_repository();
  for (const std::string what : {"main", "main^{tree}", "v1", "nested", "main:d"}) {
    std::string type = sh("git -C src cat-file -t " + what);
    type.resize(type.find('\n'));
    sh(fmt::format("git -C src cat-file {} {} > obj", type, what));
    std::ifstream in(dir_ / "obj", std::ios::binary);
    const std::string raw{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const git_object_t t = type == "commit" ? GIT_OBJECT_COMMIT
                           : type == "tree" ? GIT_OBJECT_TREE
                                            : GIT_OBJECT_TAG;
    const auto links = object_links(t, bytes(raw));
    ASSERT_TRUE(links.has_value()) << what;
    std::string expected;
    if (t == GIT_OBJECT_TREE) {
      expected = sh("git -C src ls-tree " + what + " | cut -f1 | cut -d' ' -f3");
    } else if (t == GIT_OBJECT_COMMIT) {
      expected = sh("git -C src show -s --format='%T%n%P' " + what + " | tr ' ' '\\n'");
    } else {
      expected = sh("git -C src cat-file tag " + what + " | head -1 | cut -d' ' -f2");
    }
    std::string got;
    for (const ObjectLink& link : *links) {
      got += to_hex(link.id) + "\n";
    }
    EXPECT_EQ(got, expected) << what;
  }
}

}  // namespace
}  // namespace gitgate::git::detail
