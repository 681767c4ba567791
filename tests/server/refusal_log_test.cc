#include "server/refusal_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace gitgate::server {
namespace {

using std::chrono::milliseconds;

const auto kStart = RefusalLimiter::Clock::time_point{} + std::chrono::hours(1);

TEST(RefusalLimiter, SoManyLinesPerReasonAndClientPerInterval) {
  RefusalLimiter limiter(milliseconds(1000));
  static_assert(RefusalLimiter::kLinesPerClient == 3);
  EXPECT_EQ(limiter.admit("per-source", "10.0.0.1", "a", kStart), "a");
  EXPECT_EQ(limiter.admit("per-source", "10.0.0.1", "b", kStart + milliseconds(1)), "b");
  EXPECT_EQ(limiter.admit("per-source", "10.0.0.1", "c", kStart + milliseconds(2)), "c");
  EXPECT_EQ(limiter.admit("per-source", "10.0.0.1", "d", kStart + milliseconds(3)), std::nullopt);
  EXPECT_EQ(limiter.admit("per-source", "10.0.0.1", "e", kStart + milliseconds(999)), std::nullopt);
  // Another client, and another reason, each get their lines: fail2ban sees every address.
  EXPECT_EQ(limiter.admit("per-source", "10.0.0.2", "x", kStart + milliseconds(4)),
            "x (and 2 more like it since the last such line)");
  EXPECT_EQ(limiter.admit("timeout", "10.0.0.1", "t", kStart + milliseconds(4)), "t");
  // At the interval the first client is shown again.
  EXPECT_EQ(limiter.admit("per-source", "10.0.0.1", "f", kStart + milliseconds(1000)), "f");
}

TEST(RefusalLimiter, AtMostSoManyLinesPerReasonPerInterval) {
  RefusalLimiter limiter(milliseconds(1000));
  int shown = 0;
  for (int i = 0; i < 1000; ++i) {
    if (limiter.admit("early drop", std::to_string(i), "x", kStart + milliseconds(i % 500))) {
      ++shown;
    }
  }
  EXPECT_EQ(shown, RefusalLimiter::kLinesPerReason);
  // The next window starts afresh and carries the count of those held back.
  EXPECT_EQ(limiter.admit("early drop", "new", "y", kStart + milliseconds(1000)),
            "y (and 980 more like it since the last such line)");
}

TEST(RefusalLimiter, FlushWritesTheCountOfAReasonGoneQuiet) {
  RefusalLimiter limiter(milliseconds(1000));
  for (int i = 0; i < RefusalLimiter::kLinesPerClient; ++i) {
    ASSERT_TRUE(limiter.admit("early drop", "a", "x", kStart).has_value());
  }
  for (int i = 0; i < 57; ++i) {
    ASSERT_FALSE(limiter.admit("early drop", "a", "x", kStart + milliseconds(10)).has_value());
  }
  EXPECT_TRUE(limiter.flush(kStart + milliseconds(1009)).empty());  // not quiet yet
  const auto lines = limiter.flush(kStart + milliseconds(1010));
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0], "early drop: 57 more like it since the last such line, not shown");
  EXPECT_TRUE(limiter.flush(kStart + milliseconds(5000)).empty());  // counted once
  EXPECT_EQ(limiter.admit("early drop", "a", "y", kStart + milliseconds(5001)), "y");
}

TEST(RefusalLimiter, FlushAllAtExitCountsWhatTheLastSecondHeldBack) {
  RefusalLimiter limiter(milliseconds(1000));
  const auto now = RefusalLimiter::Clock::now();
  for (int i = 0; i < 12; ++i) {
    static_cast<void>(limiter.admit("per-source", "10.0.0.1", "x", now));
  }
  EXPECT_TRUE(limiter.flush(now).empty());  // not quiet for a second yet
  const auto lines = limiter.flush_all();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0], "per-source: 9 more like it since the last such line, not shown");
  EXPECT_TRUE(limiter.flush_all().empty());
}

}  // namespace
}  // namespace gitgate::server
