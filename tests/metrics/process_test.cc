#include "metrics/process.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace gitgate::metrics {
namespace {

// A real line of /proc/self/stat (of `cat`), comm changed to hold ") (" and spaces, which
// a process may name itself (prctl PR_SET_NAME).
constexpr std::string_view kStat =
    "4242 (evil) (name x) R 1 4242 4242 34816 4242 4194304 93 0 0 0 7 3 0 0 20 0 1 0 "
    "123456 8519680 220 18446744073709551615 94558 94580 140723 0 0 0 0 0 0 0 0 0 17 1 0 0 "
    "0 0 0 94580 94581 94582 140724 140725 140726 140727 0\n";

TEST(ProcessTest, ParsesTheFieldsAfterTheLastParenthesis) {
  const auto stat = parse_proc_stat(kStat);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->user_ticks, 7U);
  EXPECT_EQ(stat->system_ticks, 3U);
  EXPECT_EQ(stat->start_ticks, 123456U);
  EXPECT_EQ(stat->virtual_bytes, 8519680U);
  EXPECT_EQ(stat->resident_pages, 220U);
}

TEST(ProcessTest, RefusesTruncatedOrGarbledStat) {
  // Every prefix that ends before rss (the last field read) fails; none crashes.
  const size_t rss_start = kStat.find(" 220 ") + 1;
  for (size_t n = 0; n <= rss_start; ++n) {
    EXPECT_FALSE(parse_proc_stat(kStat.substr(0, n)).has_value()) << n;
  }
  EXPECT_TRUE(parse_proc_stat(kStat.substr(0, rss_start + 3)).has_value());
  std::string garbled(kStat);
  garbled.replace(garbled.find(" 7 3 "), 5, " 7 x ");
  EXPECT_FALSE(parse_proc_stat(garbled).has_value());
  EXPECT_FALSE(parse_proc_stat("no parenthesis 1 2 3").has_value());
}

TEST(ProcessTest, ParsesBootTime) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n"), 1700000000U);
  EXPECT_EQ(parse_boot_time("btime 12"), 12U);
  EXPECT_FALSE(parse_boot_time("cpu 1\nprocesses 9\n").has_value());
  EXPECT_FALSE(parse_boot_time("btime x\n").has_value());
  EXPECT_FALSE(parse_boot_time("").has_value());
}

// This process, as /proc shows it: every metric there, with plausible values.
TEST(ProcessTest, ReadsThisProcess) {
  const auto families = process_metrics();
  std::vector<std::string> names;
  for (const MetricFamily& family : families) {
    names.push_back(family.name);
    ASSERT_EQ(family.samples.size(), 1U) << family.name;
    EXPECT_GE(family.samples[0].value, 0) << family.name;
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"process_cpu_seconds_total", "process_resident_memory_bytes",
                                      "process_virtual_memory_bytes", "process_open_fds",
                                      "process_max_fds", "process_start_time_seconds"}));
  EXPECT_GT(families[1].samples[0].value, 1 << 20);  // a gtest binary holds over 1 MiB
  EXPECT_GE(families[3].samples[0].value, 3);        // stdin, stdout, stderr
  EXPECT_GT(families[5].samples[0].value, 1.5e9);    // after 2017
}

}  // namespace
}  // namespace gitgate::metrics
