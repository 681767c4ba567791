#include "git/protocol/request_bounds.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "git/pack/libgit2.h"

namespace gitgate::git::detail {
namespace {

RequestLimits small_limits() {
  RequestLimits limits;
  limits.max_request_bytes = 100;
  limits.max_wants = 3;
  limits.max_haves = 4;
  limits.max_shallow = 2;
  limits.max_deepen_not = 1;
  return limits;
}

// Each capped kind of line: the bound itself is allowed, one more is refused, with the
// message naming the limit; lines of other kinds never count.
TEST(RequestMeter, EachLineLimitAtAndAboveItsBound) {
  const RequestLimits limits = small_limits();
  const std::string id(40, 'a');
  struct Case {
    std::string line;
    size_t bound;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"want " + id, 3, "upload-pack: too many want lines (limit 3, max_wants)"},
      {"want-ref refs/heads/main", 3, "upload-pack: too many want lines (limit 3, max_wants)"},
      {"have " + id, 4, "upload-pack: too many have lines (limit 4, max_haves)"},
      {"shallow " + id, 2, "upload-pack: too many shallow lines (limit 2, max_shallow)"},
      {"deepen-not refs/tags/v1", 1,
       "upload-pack: too many deepen-not lines (limit 1, max_deepen_not)"},
  };
  for (const Case& c : cases) {
    RequestMeter meter(limits);
    for (size_t i = 0; i < c.bound; ++i) {
      EXPECT_EQ(meter.add_line(c.line), std::nullopt) << c.line << " #" << i;
      EXPECT_EQ(meter.add_line("done"), std::nullopt);
      EXPECT_EQ(meter.add_line("deepen 1"), std::nullopt);
    }
    EXPECT_EQ(meter.add_line(c.line), c.error) << c.line;
  }
}

TEST(RequestMeter, WantAndWantRefShareOneLimit) {
  RequestMeter meter(small_limits());
  EXPECT_EQ(meter.add_line("want " + std::string(40, 'a')), std::nullopt);
  EXPECT_EQ(meter.add_line("want-ref refs/heads/a"), std::nullopt);
  EXPECT_EQ(meter.add_line("want-ref refs/heads/b"), std::nullopt);
  EXPECT_NE(meter.add_line("want " + std::string(40, 'b')), std::nullopt);
}

TEST(RequestMeter, BytesBelowAtAndAboveTheBound) {
  struct Case {
    std::vector<size_t> packets;
    bool refused;
  };
  for (const Case& c : std::vector<Case>{{{99}, false},
                                         {{100}, false},
                                         {{101}, true},
                                         {{60, 40}, false},
                                         {{60, 41}, true},
                                         {{100, 1}, true},
                                         {{SIZE_MAX}, true},
                                         {{50, SIZE_MAX}, true}}) {
    RequestMeter meter(small_limits());
    std::optional<std::string> error;
    for (const size_t n : c.packets) {
      error = error ? error : meter.add_bytes(n);
    }
    EXPECT_EQ(error.has_value(), c.refused) << c.packets.size() << " " << c.packets.back();
    if (error) {
      EXPECT_EQ(*error, "upload-pack: too many request bytes (limit 100, max_request_bytes)");
    }
  }
}

git_oid oid(char c) {
  git_oid id;
  const std::string hex(40, c);
  git_oid_fromstrn(&id, hex.data(), hex.size());
  return id;
}

TEST(RemoveDuplicates, KeepsTheFirstOfEachInOrder) {
  struct Case {
    std::string in;
    std::string out;
  };
  for (const Case& c : std::vector<Case>{
           {"", ""}, {"a", "a"}, {"aa", "a"}, {"abc", "abc"}, {"cbacba", "cba"}, {"abab", "ab"}}) {
    std::vector<git_oid> ids;
    for (const char ch : c.in) {
      ids.push_back(oid(ch));
    }
    remove_duplicates(ids);
    std::string got;
    for (const git_oid& id : ids) {
      got += to_hex(id)[0];
    }
    EXPECT_EQ(got, c.out) << c.in;
  }
}

}  // namespace
}  // namespace gitgate::git::detail
