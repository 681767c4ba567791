// Object sets chosen through a bitmap against git's own answer: `git rev-list --objects
// <wants> --not <haves>` minus everything the haves reach (what the client has), for
// clones, fetches, tips pushed after the repack and include-tag.
#include "git/select/bitmap_selection.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "git/pack/libgit2.h"
#include "git/select/object_filter.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

class BitmapSelectionTest : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    ensure_libgit2();
    make_sample_repository();
    sh("cd src && for i in $(seq 1 20); do echo $i >> d/e/g1 && git commit -qam more$i; done");
  }

  void open(const char* repack) {
    sh(std::string("cd src && ") + repack);
    git_repository* raw = nullptr;
    ASSERT_EQ(git_repository_open(&raw, (dir_ / "src").c_str()), 0);
    repo_.reset(raw);
    auto refs = read_refs(repo_.get());
    ASSERT_TRUE(std::holds_alternative<RefSet>(refs));
    refs_ = std::get<RefSet>(refs);
    store_ = pack::PackStore::shared(dir_ / "src/.git/objects/pack");
    // The cases below mean what they say only if the bitmap is (or is not) there.
    const bool bitmap = std::string_view(repack).find("-adb") != std::string_view::npos;
    ASSERT_EQ(store_->bitmapped() != nullptr, bitmap) << repack;
  }

  git_oid oid(const std::string& rev) {
    const std::string hex = sh("cd src && git rev-parse " + rev);
    git_oid id{};
    EXPECT_EQ(git_oid_fromstrn(&id, hex.data(), 40), 0) << rev;
    return id;
  }

  std::set<std::string> rev_list(const std::string& args) {
    std::istringstream in(sh("cd src && git rev-list --objects " + args));
    std::set<std::string> out;
    for (std::string line; std::getline(in, line);) {
      out.insert(line.substr(0, 40));
    }
    return out;
  }

  // What the client lacks: everything wants reach minus everything haves reach.
  std::set<std::string> expected(const std::string& wants, const std::string& haves) {
    std::set<std::string> out = rev_list(wants);
    if (!haves.empty()) {
      for (const std::string& id : rev_list(haves)) {
        out.erase(id);
      }
    }
    return out;
  }

  std::optional<std::set<std::string>> select(const FetchRequest& request) {
    auto answer = select_with_bitmap(repo_.get(), store_, refs_, request);
    if (!answer) {
      return std::nullopt;
    }
    EXPECT_TRUE(std::holds_alternative<ObjectSet>(*answer));
    std::set<std::string> out;
    for (const PackObject& object : std::get<ObjectSet>(*answer).objects) {
      EXPECT_TRUE(out.insert(to_hex(object.id)).second) << "sent twice: " << to_hex(object.id);
    }
    return out;
  }

  RepositoryPtr repo_;
  RefSet refs_;
  std::shared_ptr<const pack::PackStore> store_;
};

TEST_F(BitmapSelectionTest, MatchesRevList) {
  sh("cd src && git checkout -qb later main && echo later > later && git add later && "
     "git commit -qm later && git checkout -q main");
  open("git repack -adbq");
  // Tips pushed after the repack: loose objects the bitmap does not cover.
  sh("cd src && git checkout -qb fresh main && echo fresh > d/fresh && git add d && "
     "git commit -qm fresh && echo more >> d/fresh && git commit -qam fresh2 && "
     "git checkout -q main");
  // A precondition of the cases below: the pushed objects are loose, outside the bitmap.
  ASSERT_NE(sh("cd src && git count-objects -v | grep '^count:'"), "count: 0\n");
  struct Case {
    std::string name;
    std::vector<std::string> wants;
    std::vector<std::string> haves;
    std::string rev_wants;
    std::string rev_haves;
  };
  const std::vector<Case> cases = {
      {"clone of every ref",
       {"main", "side", "later", "v1", "nested", "light"},
       {},
       "main side later v1 nested light",
       ""},
      {"clone of main", {"main"}, {}, "main", ""},
      {"fetch of main", {"main"}, {"main~5"}, "main", "main~5"},
      {"fetch, two haves", {"main", "later"}, {"main~3", "side"}, "main later", "main~3 side"},
      {"nothing new", {"main~2"}, {"main"}, "main~2", "main"},
      {"pushed after the repack", {"fresh"}, {}, "fresh", ""},
      {"fetch of what was pushed", {"fresh"}, {"main"}, "fresh", "main"},
      {"have pushed after the repack", {"fresh", "later"}, {"fresh~1"}, "fresh later", "fresh~1"},
      {"a tree", {"main^{tree}"}, {}, "main^{tree}", ""},
      {"a blob", {"main:f1"}, {}, "main:f1", ""},
  };
  for (const Case& c : cases) {
    FetchRequest request;
    for (const std::string& rev : c.wants) {
      request.wants.push_back(oid(rev));
    }
    for (const std::string& rev : c.haves) {
      request.common.push_back(oid(rev));
    }
    const auto selected = select(request);
    ASSERT_TRUE(selected.has_value()) << c.name;
    EXPECT_EQ(*selected, expected(c.rev_wants, c.rev_haves)) << c.name;
  }
}

TEST_F(BitmapSelectionTest, IncludeTagAddsTagsOfWhatIsSent) {
  open("git repack -adbq");
  FetchRequest request;
  request.wants.push_back(oid("main"));
  request.include_tag = true;
  const auto selected = select(request);
  ASSERT_TRUE(selected.has_value());
  std::set<std::string> want = expected("main", "");
  want.insert(to_hex(oid("v1")));
  want.insert(to_hex(oid("nested")));  // a tag of v1: both layers go
  EXPECT_EQ(*selected, want);

  request.common.push_back(oid("v1^{commit}"));  // the client has the tagged commit
  const auto fetched = select(request);
  ASSERT_TRUE(fetched.has_value());
  EXPECT_EQ(fetched->count(to_hex(oid("v1"))), 0U);
}

// A thin pack may name as delta bases exactly what the common commits reach.
TEST_F(BitmapSelectionTest, ThinPackKnowsWhatTheClientHas) {
  open("git repack -adbq");
  FetchRequest request;
  request.wants.push_back(oid("main"));
  request.common.push_back(oid("main~5"));
  request.thin_pack = true;
  auto answer = select_with_bitmap(repo_.get(), store_, refs_, request);
  ASSERT_TRUE(answer.has_value());
  const ObjectSet& set = std::get<ObjectSet>(*answer);
  ASSERT_TRUE(set.client_has);
  for (const std::string& hex : rev_list("main~5")) {
    git_oid id{};
    ASSERT_EQ(git_oid_fromstr(&id, hex.c_str()), 0);
    EXPECT_TRUE(set.client_has(id)) << hex;
  }
  for (const PackObject& object : set.objects) {
    EXPECT_FALSE(set.client_has(object.id)) << to_hex(object.id);
  }
  struct Case {
    std::string name;
    bool thin_pack;
    std::vector<std::string> haves;
    const char* filter;
  };
  for (const Case& c :
       std::vector<Case>{{"not asked for", false, {"main~5"}, nullptr},
                         {"a clone", true, {}, nullptr},
                         {"a partial clone's fetch", true, {"main~5"}, "blob:none"}}) {
    FetchRequest other;
    other.wants.push_back(oid("main"));
    for (const std::string& rev : c.haves) {
      other.common.push_back(oid(rev));
    }
    other.thin_pack = c.thin_pack;
    auto filter = parse_filter(c.filter != nullptr ? c.filter : "blob:none");
    other.filter = c.filter != nullptr ? &std::get<FilterSpec>(filter) : nullptr;
    auto complete = select_with_bitmap(repo_.get(), store_, refs_, other);
    ASSERT_TRUE(complete.has_value()) << c.name;
    EXPECT_FALSE(std::get<ObjectSet>(*complete).client_has) << c.name;
  }
}

// Filters that only decide by type are applied to the bitmap's type bitmaps; the walk of
// select_objects over a copy without a bitmap is the reference.
TEST_F(BitmapSelectionTest, TypeFiltersMatchTheWalk) {
  open("git repack -adbq");
  sh("cp -r src/.git walked.git && rm walked.git/objects/pack/*.bitmap");
  git_repository* raw = nullptr;
  ASSERT_EQ(git_repository_open(&raw, (dir_ / "walked.git").c_str()), 0);
  const RepositoryPtr walked(raw);
  struct Case {
    std::string filter;
    std::vector<std::string> wants;
    std::vector<std::string> haves;
    bool include_tag = false;
  };
  const std::vector<Case> cases = {
      {"blob:none", {"main", "side"}, {}},
      {"blob:none", {"main"}, {"main~4"}},
      {"blob:none", {"main", "v1", "nested"}, {}, true},
      {"blob:none", {"main:f1", "main^{tree}"}, {}},
      {"tree:0", {"main", "light"}, {}, true},
      {"tree:0", {"main^{tree}"}, {}},
      {"object:type=blob", {"main"}, {}},
      {"object:type=tree", {"main", "nested"}, {}},
      {"object:type=commit", {"main"}, {"main~2"}},
      {"object:type=tag", {"nested"}, {}},
      {"combine:blob:none+object:type=tree", {"main"}, {}},
  };
  for (const Case& c : cases) {
    auto parsed = parse_filter(c.filter);
    ASSERT_TRUE(std::holds_alternative<FilterSpec>(parsed)) << c.filter;
    FetchRequest request;
    request.filter = &std::get<FilterSpec>(parsed);
    request.include_tag = c.include_tag;
    for (const std::string& rev : c.wants) {
      request.wants.push_back(oid(rev));
    }
    for (const std::string& rev : c.haves) {
      request.common.push_back(oid(rev));
    }
    const std::string name = c.filter + " " + c.wants.front();
    const auto selected = select(request);
    ASSERT_TRUE(selected.has_value()) << name;
    auto reference = select_objects(walked.get(), refs_, request);
    ASSERT_TRUE(std::holds_alternative<ObjectSet>(reference)) << name;
    std::set<std::string> expected_set;
    for (const PackObject& object : std::get<ObjectSet>(reference).objects) {
      expected_set.insert(to_hex(object.id));
    }
    EXPECT_EQ(*selected, expected_set) << name;
    EXPECT_FALSE(selected->empty()) << name;
  }
}

TEST_F(BitmapSelectionTest, LeavesToTheEdgeWalkWhatBitsCannotAnswer) {
  open("git repack -adbq");
  FetchRequest request;
  request.wants.push_back(oid("main"));
  for (const char* spec : {"blob:limit=1k", "tree:1", "combine:blob:none+tree:2"}) {
    auto filter = parse_filter(spec);
    ASSERT_TRUE(std::holds_alternative<FilterSpec>(filter)) << spec;
    request.filter = &std::get<FilterSpec>(filter);
    EXPECT_FALSE(select(request).has_value()) << spec;
  }
  request.filter = nullptr;
  ShallowPlan boundary;
  boundary.cut = {oid("main~2")};
  request.shallow = &boundary;
  EXPECT_FALSE(select(request).has_value()) << "a shallow boundary";
  request.shallow = nullptr;
  EXPECT_TRUE(select(request).has_value());

  open("git repack -adq");  // no bitmap
  const auto clone = select(request);
  ASSERT_TRUE(clone.has_value()) << "a clone without a bitmap";
  EXPECT_EQ(*clone, expected("main", ""));
  auto blob_none = parse_filter("blob:none");
  request.filter = &std::get<FilterSpec>(blob_none);
  EXPECT_FALSE(select(request).has_value()) << "a filter without type bitmaps";
  request.filter = nullptr;
  request.common.push_back(oid("main~3"));
  EXPECT_FALSE(select(request).has_value()) << "a fetch without a bitmap";
}

}  // namespace
}  // namespace gitgate::git::detail
