#include "git/select/object_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gitgate::git::detail {
namespace {

// What a filter lets through, probed with a few objects: (type, depth, size).
std::string decisions(const FilterSpec& spec) {
  struct Probe {
    const char* name;
    git_object_t type;
    uint64_t depth;
    uint64_t size;
  };
  std::string out;
  for (const Probe& p :
       {Probe{"commit", GIT_OBJECT_COMMIT, 0, 0}, Probe{"tag", GIT_OBJECT_TAG, 0, 0},
        Probe{"root", GIT_OBJECT_TREE, 0, 0}, Probe{"subtree", GIT_OBJECT_TREE, 1, 0},
        Probe{"small", GIT_OBJECT_BLOB, 1, 1023}, Probe{"big", GIT_OBJECT_BLOB, 1, 1024},
        Probe{"deep", GIT_OBJECT_BLOB, 3, 1}}) {
    if (filter_includes(spec, p.type, p.depth, p.size)) {
      out += std::string(out.empty() ? "" : " ") + p.name;
    }
  }
  return out;
}

TEST(ObjectFilter, Parses) {
  struct Case {
    std::string spec;
    std::string sent;  // the probes that pass
  };
  for (const Case& c : std::vector<Case>{
           {"blob:none", "commit tag root subtree"},
           {"blob:limit=1k", "commit tag root subtree small deep"},
           {"blob:limit=1024", "commit tag root subtree small deep"},
           {"blob:limit=1K", "commit tag root subtree small deep"},
           {"blob:limit=1m", "commit tag root subtree small big deep"},
           {"blob:limit=0", "commit tag root subtree"},
           {"tree:0", "commit tag"},
           {"tree:1", "commit tag root"},
           {"tree:2", "commit tag root subtree small big"},
           {"object:type=blob", "small big deep"},
           {"object:type=tree", "root subtree"},
           {"object:type=commit", "commit"},
           {"object:type=tag", "tag"},
           {"combine:blob:none+tree:1", "commit tag root"},
           {"combine:blob%3Alimit%3D1k+tree%3A2", "commit tag root subtree small"},
       }) {
    const auto parsed = parse_filter(c.spec);
    ASSERT_TRUE(std::holds_alternative<FilterSpec>(parsed))
        << c.spec << ": " << std::get<std::string>(parsed);
    EXPECT_EQ(decisions(std::get<FilterSpec>(parsed)), c.sent) << c.spec;
  }
}

TEST(ObjectFilter, Refuses) {
  struct Case {
    std::string spec;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"sparse:oid=main:.sparse", "filter 'sparse:oid' not supported"},
           {"sparse:path=x", "not supported"},
           {"blob:some", "invalid filter-spec 'blob:some'"},
           {"blob:limit=", "invalid filter-spec"},
           {"blob:limit=1x", "invalid filter-spec"},
           {"blob:limit=99999999999999999999", "invalid filter-spec"},
           {"blob:limit=18014398509481984k", "invalid filter-spec"},
           {"tree:", "expected 'tree:<depth>'"},
           {"tree:-1", "expected 'tree:<depth>'"},
           {"object:type=note", "is not a valid object type"},
           {"combine:", "expected something after combine:"},
           {"combine:blob:none+", "invalid filter-spec in combine"},
           {"combine:blob%3", "invalid filter-spec in combine"},
           {"combine:combine%3Ablob%3Anone", "too complex"},
           {"", "invalid filter-spec ''"},
       }) {
    const auto parsed = parse_filter(c.spec);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << c.spec;
    EXPECT_NE(std::get<std::string>(parsed).find(c.error), std::string::npos)
        << c.spec << ": " << std::get<std::string>(parsed);
  }
}

TEST(ObjectFilter, PruningAndSizes) {
  const auto tree1 = std::get<FilterSpec>(parse_filter("tree:1"));
  EXPECT_TRUE(filter_prunes_below(tree1, 0));  // children of the root are at depth 1
  const auto tree3 = std::get<FilterSpec>(parse_filter("tree:3"));
  EXPECT_FALSE(filter_prunes_below(tree3, 1));
  EXPECT_TRUE(filter_prunes_below(tree3, 2));
  EXPECT_FALSE(filter_prunes_below(std::get<FilterSpec>(parse_filter("blob:none")), 5));
  EXPECT_FALSE(filter_needs_blob_size(tree3));
  EXPECT_TRUE(
      filter_needs_blob_size(std::get<FilterSpec>(parse_filter("combine:tree:3+blob:limit=5"))));
}

}  // namespace
}  // namespace gitgate::git::detail
