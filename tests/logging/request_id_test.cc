#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "logging/access_log.h"
#include "tests/logging/utc_fixture.h"

namespace gitgate::logging {
namespace {

using std::chrono::system_clock;

system_clock::time_point utc(int hour, int minute) {
  using namespace std::chrono;
  return sys_days{year{2026} / May / 25} + hours(hour) + minutes(minute) + seconds(59);
}

class RequestIdsTest : public fixtures::UtcTest {};

TEST_F(RequestIdsTest, CountsFromOneAndTracksRequestsInFlight) {
  RequestIds ids("DX7BUK", false);
  const auto first = ids.start(utc(10, 31));
  EXPECT_EQ(first.node, "DX7BUK");
  EXPECT_FALSE(first.clustered);
  EXPECT_EQ(first.minute_of_day, 631);
  EXPECT_EQ(first.counter, 1U);
  EXPECT_EQ(first.concurrent, 0U);  // not counting itself
  const auto second = ids.start(utc(10, 31));
  EXPECT_EQ(second.counter, 2U);
  EXPECT_EQ(second.concurrent, 1U);
  ids.finish();
  const auto third = ids.start(utc(10, 32));
  EXPECT_EQ(third.counter, 3U);
  EXPECT_EQ(third.concurrent, 1U);
  EXPECT_EQ(ids.in_flight(), 2U);
}

TEST_F(RequestIdsTest, MinuteOfDayInLocalTime) {
  RequestIds ids("N", true);
  EXPECT_EQ(ids.start(utc(0, 0)).minute_of_day, 0);
  EXPECT_EQ(ids.start(utc(23, 59)).minute_of_day, 1439);
  setenv("TZ", "XST-2", 1);  // two hours east of UTC
  tzset();
  EXPECT_EQ(ids.start(utc(23, 59)).minute_of_day, 119);
  EXPECT_TRUE(ids.start(utc(0, 0)).clustered);
}

TEST_F(RequestIdsTest, FinishNeverGoesBelowZero) {
  RequestIds ids("N", false);
  ids.finish();
  ids.finish();
  EXPECT_EQ(ids.in_flight(), 0U);
  EXPECT_EQ(ids.start(utc(1, 0)).concurrent, 0U);
}

TEST_F(RequestIdsTest, ThreadsGetDistinctCounters) {
  RequestIds ids("N", false);
  constexpr int kThreads = 8;
  constexpr int kRequests = 500;
  std::vector<std::vector<uint64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, &seen, t] {
      for (int i = 0; i < kRequests; ++i) {
        const auto id = ids.start(system_clock::now());
        EXPECT_LT(id.concurrent, static_cast<uint64_t>(kThreads));
        seen[t].push_back(id.counter);
        ids.finish();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  std::set<uint64_t> all;
  for (const auto& counters : seen) {
    all.insert(counters.begin(), counters.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kRequests));
  EXPECT_EQ(*all.begin(), 1U);
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kRequests));
  EXPECT_EQ(ids.in_flight(), 0U);
}

TEST(NewSessionId, SevenBase36CharactersSpreadEvenly) {
  std::set<std::string> ids;
  std::set<char> characters;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = new_session_id();
    ASSERT_EQ(id.size(), 7U);
    for (const char c : id) {
      ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) << id;
      characters.insert(c);
    }
    ids.insert(id);
  }
  // 36^7 ~ 7.8e10 values: a repeat among 2000 has a probability of ~2.6e-5.
  EXPECT_EQ(ids.size(), 2000U);
  EXPECT_EQ(characters.size(), 36U);  // 14000 draws miss a character with p ~ 1e-170
}

}  // namespace
}  // namespace gitgate::logging
