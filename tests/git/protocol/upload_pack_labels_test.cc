// UploadPackLabels over a RequestLabels: each step of a session, and what the set holds
// after it (what an o-line written at that moment would say).
#include "git/protocol/upload_pack_labels.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "git/request_labels.h"

namespace gitgate::git::detail {
namespace {

using Labels = std::vector<std::string>;

struct Step {
  std::string name;
  std::function<void(UploadPackLabels&)> apply;
  Labels after;
};

void run_steps(int version, const std::vector<Step>& steps) {
  RequestLabels set{"ssh:user:id:2"};
  UploadPackLabels labels(set, version);
  for (const Step& step : steps) {
    step.apply(labels);
    EXPECT_EQ(set.list(), step.after) << step.name;
    EXPECT_EQ(labels.list(), step.after) << step.name;
  }
}

TEST(UploadPackLabels, V2CloneKilledMidPackKeepsCloneAndItsCacheLabel) {
  run_steps(
      2, {
             {"start", [](auto&) {}, {"protocol:2", "ssh:user:id:2"}},
             {"ls-refs", [](auto& l) { l.refs_served(); }, {"protocol:2", "refs", "ssh:user:id:2"}},
             {"pack",
              [](auto& l) { l.pack_started(false); },
              {"clone", "protocol:2", "ssh:user:id:2"}},
             {"cache",
              [](auto& l) { l.cache_used(CacheUse::kMiss); },
              {"cache:miss", "clone", "protocol:2", "ssh:user:id:2"}},
             {"client gone",
              [](auto& l) { l.failed(); },
              {"cache:miss", "clone", "protocol:2", "ssh:user:id:2"}},
         });
}

TEST(UploadPackLabels, RefusedBeforeAnyPackIsTheProtocolAlone) {
  run_steps(
      0,
      {
          {"advertised", [](auto& l) { l.refs_served(); }, {"protocol:0", "refs", "ssh:user:id:2"}},
          {"unknown want", [](auto& l) { l.failed(); }, {"protocol:0", "ssh:user:id:2"}},
      });
}

TEST(UploadPackLabels, FetchWinsOverCloneAndTheLastCacheLabelStays) {
  run_steps(2, {
                   {"shallow",
                    [](auto& l) { l.shallow_served(); },
                    {"protocol:2", "shallow", "ssh:user:id:2"}},
                   {"clone",
                    [](auto& l) { l.pack_started(false); },
                    {"clone", "protocol:2", "shallow", "ssh:user:id:2"}},
                   {"hit",
                    [](auto& l) { l.cache_used(CacheUse::kHit); },
                    {"cache:hit", "clone", "protocol:2", "shallow", "ssh:user:id:2"}},
                   {"fetch",
                    [](auto& l) { l.pack_started(true); },
                    {"cache:hit", "fetch", "protocol:2", "shallow", "ssh:user:id:2"}},
                   {"no haves again",
                    [](auto& l) { l.pack_started(false); },
                    {"cache:hit", "fetch", "protocol:2", "shallow", "ssh:user:id:2"}},
                   {"miss",
                    [](auto& l) { l.cache_used(CacheUse::kMiss); },
                    {"cache:miss", "fetch", "protocol:2", "shallow", "ssh:user:id:2"}},
                   {"refs after a pack",
                    [](auto& l) { l.refs_served(); },
                    {"cache:miss", "fetch", "protocol:2", "shallow", "ssh:user:id:2"}},
               });
}

TEST(RequestLabels, SortedOnceAndOneOfAGroup) {
  RequestLabels set{"b", "a"};
  set.add("c");
  set.add("a");
  EXPECT_EQ(set.list(), (Labels{"a", "b", "c"}));
  EXPECT_TRUE(set.has("b"));
  EXPECT_FALSE(set.has("d"));
  constexpr std::string_view kGroup[] = {"a", "b", "x"};
  set.set_one_of(kGroup, "x");
  EXPECT_EQ(set.list(), (Labels{"c", "x"}));
  set.set_one_of(kGroup, "");
  EXPECT_EQ(set.list(), (Labels{"c"}));
}

}  // namespace
}  // namespace gitgate::git::detail
