// The cache key changes with every input that changes the pack's bytes, and with no other.
#include "git/cache/pack_cache_key.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "git/protocol/fetch.h"

namespace gitgate::git::detail {
namespace {

git_oid oid(char c) {
  git_oid id{};
  const std::string hex(GIT_OID_HEXSZ, c);
  EXPECT_EQ(git_oid_fromstr(&id, hex.c_str()), 0);
  return id;
}

struct Inputs {
  std::string repository = "/srv/git/demo/repo.git";
  RefSet refs{{{"HEAD", oid('1'), {}},
               {"refs/heads/main", oid('1'), {}},
               {"refs/tags/v1", oid('2'), oid('1')}},
              "refs/heads/main"};
  std::vector<git_oid> wants{oid('1'), oid('3')};
  std::vector<git_oid> common;
  ShallowPlan shallow;
  bool with_shallow = false;
  FilterSpec filter;
  bool with_filter = false;
  PackRequest request;  // a PackRequest: its keepalive must not reach the key

  std::string key() {
    request.wants = wants;
    request.common = common;
    request.shallow = with_shallow ? &shallow : nullptr;
    request.filter = with_filter ? &filter : nullptr;
    auto key = pack_cache_key(repository, refs, request);
    EXPECT_TRUE(key.has_value());
    return key.value_or("");
  }
};

TEST(PackCacheKey, EveryByteChangingInputChangesTheKey) {
  const std::vector<std::pair<const char*, std::function<void(Inputs&)>>> changes = {
      {"repository", [](Inputs& in) { in.repository += "x"; }},
      {"ref moved (a push)", [](Inputs& in) { in.refs.refs[1].id = oid('4'); }},
      {"ref added",
       [](Inputs& in) {
         in.refs.refs.push_back({"refs/heads/new", oid('1'), {}});
       }},
      {"ref renamed", [](Inputs& in) { in.refs.refs[1].name = "refs/heads/mainx"; }},
      {"peeled changed", [](Inputs& in) { in.refs.refs[2].peeled = oid('5'); }},
      {"peeled dropped", [](Inputs& in) { in.refs.refs[2].peeled.reset(); }},
      {"head target", [](Inputs& in) { in.refs.head_target = "refs/heads/other"; }},
      {"want added", [](Inputs& in) { in.wants.push_back(oid('6')); }},
      {"want changed", [](Inputs& in) { in.wants[1] = oid('6'); }},
      {"common", [](Inputs& in) { in.common.push_back(oid('1')); }},
      {"include-tag", [](Inputs& in) { in.request.include_tag = true; }},
      {"ofs-delta", [](Inputs& in) { in.request.ofs_delta = true; }},
      {"shallow, empty plan", [](Inputs& in) { in.with_shallow = true; }},
      {"shallow cut",
       [](Inputs& in) {
         in.with_shallow = true;
         in.shallow.cut.insert(oid('1'));
       }},
      {"shallow extra want",
       [](Inputs& in) {
         in.with_shallow = true;
         in.shallow.extra_wants.push_back(oid('1'));
       }},
      {"shallow extra have",
       [](Inputs& in) {
         in.with_shallow = true;
         in.shallow.extra_haves.push_back(oid('1'));
       }},
      {"filter blob:none",
       [](Inputs& in) {
         in.with_filter = true;
         in.filter.parts.emplace_back(BlobNone{});
       }},
      {"filter blob:limit",
       [](Inputs& in) {
         in.with_filter = true;
         in.filter.parts.emplace_back(BlobLimit{1024});
       }},
      {"filter tree:0",
       [](Inputs& in) {
         in.with_filter = true;
         in.filter.parts.emplace_back(TreeDepth{0});
       }},
      {"filter tree:1",
       [](Inputs& in) {
         in.with_filter = true;
         in.filter.parts.emplace_back(TreeDepth{1});
       }},
      {"filter object:type",
       [](Inputs& in) {
         in.with_filter = true;
         in.filter.parts.emplace_back(ObjectType{GIT_OBJECT_BLOB});
       }},
  };
  const std::string base = Inputs().key();
  EXPECT_EQ(base.size(), 64U);  // hex SHA-256
  std::vector<std::string> seen{base};
  for (const auto& [name, change] : changes) {
    Inputs in;
    change(in);
    const std::string key = in.key();
    for (const std::string& other : seen) {
      EXPECT_NE(key, other) << name;  // differs from the base and from every other change
    }
    seen.push_back(key);
  }
}

TEST(PackCacheKey, IrrelevantInputsDoNotChangeIt) {
  const std::string base = Inputs().key();
  Inputs reordered;
  std::swap(reordered.wants[0], reordered.wants[1]);
  EXPECT_EQ(reordered.key(), base);
  Inputs keepalive;
  keepalive.request.keepalive = std::chrono::milliseconds(1);
  EXPECT_EQ(keepalive.key(), base);
  Inputs shallow_lines;  // what the client is told, not what the pack holds
  shallow_lines.with_shallow = true;
  Inputs shallow_lines_too;
  shallow_lines_too.with_shallow = true;
  shallow_lines_too.shallow.shallow.push_back(oid('1'));
  EXPECT_EQ(shallow_lines.key(), shallow_lines_too.key());
}

TEST(PackCacheKey, OnlyClonesAreCacheable) {
  FetchRequest request;
  EXPECT_FALSE(cacheable(request));  // nothing wanted
  request.wants.push_back(oid('1'));
  EXPECT_TRUE(cacheable(request));
  request.common.push_back(oid('2'));
  EXPECT_FALSE(cacheable(request));
}

}  // namespace
}  // namespace gitgate::git::detail
