// auth/detail/reply_cache.cc: positive answers kept for api_cache_seconds, bounded.
#include "auth/detail/reply_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace gitgate::auth::detail {
namespace {

using std::chrono::seconds;
const ReplyCache::Clock::time_point kT0{seconds(1000)};

TEST(ReplyCache, KeepsAnAnswerForItsTtl) {
  ReplyCache cache(seconds(5));
  cache.store("/ssh/key\n{a}", ApiUser{"erin", 7}, kT0);
  auto hit = cache.find("/ssh/key\n{a}", kT0 + seconds(4));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(std::get<ApiUser>(*hit).name, "erin");
  EXPECT_EQ(std::get<ApiUser>(*hit).id, 7);
  EXPECT_FALSE(cache.find("/ssh/key\n{b}", kT0).has_value());               // another request
  EXPECT_FALSE(cache.find("/ssh/key\n{a}", kT0 + seconds(5)).has_value());  // expired
  EXPECT_EQ(cache.size(), 0U);                                              // and dropped
}

TEST(ReplyCache, ZeroTtlKeepsNothing) {
  ReplyCache cache(seconds(0));
  cache.store("r", Allowed{}, kT0);
  EXPECT_FALSE(cache.find("r", kT0).has_value());
  EXPECT_EQ(cache.size(), 0U);
}

TEST(ReplyCache, StaysWithinItsBound) {
  ReplyCache cache(seconds(10), 3);
  cache.store("a", Allowed{}, kT0);
  cache.store("b", Allowed{}, kT0 + seconds(5));
  cache.store("c", Allowed{}, kT0 + seconds(5));
  // Full: "a" has expired by then and makes room.
  cache.store("d", Allowed{}, kT0 + seconds(11));
  EXPECT_EQ(cache.size(), 3U);
  EXPECT_FALSE(cache.find("a", kT0 + seconds(11)).has_value());
  EXPECT_TRUE(cache.find("b", kT0 + seconds(11)).has_value());
  // Full with nothing expired: it starts over.
  cache.store("e", Allowed{}, kT0 + seconds(12));
  EXPECT_EQ(cache.size(), 1U);
  EXPECT_TRUE(cache.find("e", kT0 + seconds(12)).has_value());
  // Replacing an entry needs no room.
  cache.store("e", Allowed{}, kT0 + seconds(13));
  EXPECT_EQ(cache.size(), 1U);
}

}  // namespace
}  // namespace gitgate::auth::detail
