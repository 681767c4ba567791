#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace gitgate::metrics {
namespace {

TEST(RegistryTest, CountersAndGaugesWithLabelSetsMadeAtSetup) {
  Registry registry;
  auto& refused = registry.counter("r_total", "Refused.", {"reason"});
  Counter& busy = refused.add({"busy"});
  Counter& early = refused.add({"early_drop"});
  auto& open = registry.gauge("open", "Open.", {"state"});
  Gauge& unauthenticated = open.add({"unauthenticated"});
  busy.inc();
  busy.inc(2);
  unauthenticated.add(5);
  unauthenticated.add(-2);
  EXPECT_EQ(busy.value(), 3U);
  EXPECT_EQ(early.value(), 0U);
  EXPECT_EQ(write_text(registry.collect()),
            "# HELP r_total Refused.\n# TYPE r_total counter\n"
            "r_total{reason=\"busy\"} 3\nr_total{reason=\"early_drop\"} 0\n"
            "# HELP open Open.\n# TYPE open gauge\nopen{state=\"unauthenticated\"} 3\n");
}

TEST(RegistryTest, HistogramBucketsAreCumulativeAndCountIsTheInfBucket) {
  Registry registry;
  auto& family = registry.histogram("d_seconds", "Duration.", {"command"}, {0.1, 1, 10});
  Histogram& clone = family.add({"clone"});
  for (const double v : {0.05, 0.1, 0.5, 3.0, 30.0}) {
    clone.observe(v);
  }
  // le is inclusive: 0.1 falls into le="0.1".
  EXPECT_EQ(write_text(registry.collect()),
            "# HELP d_seconds Duration.\n# TYPE d_seconds histogram\n"
            "d_seconds_bucket{command=\"clone\",le=\"0.1\"} 2\n"
            "d_seconds_bucket{command=\"clone\",le=\"1\"} 3\n"
            "d_seconds_bucket{command=\"clone\",le=\"10\"} 4\n"
            "d_seconds_bucket{command=\"clone\",le=\"+Inf\"} 5\n"
            "d_seconds_sum{command=\"clone\"} 33.65\n"
            "d_seconds_count{command=\"clone\"} 5\n");
}

TEST(RegistryTest, CollectorsKeepRegistrationOrder) {
  Registry registry;
  registry.gauge("first", "1.").add();
  registry.collector([](std::vector<MetricFamily>& out) {
    out.push_back(MetricFamily{"pulled", "2.", Type::kGauge, {Sample{"pulled", {}, 7}}});
  });
  registry.counter("last_total", "3.").add();
  std::vector<std::string> names;
  for (const MetricFamily& family : registry.collect()) {
    names.push_back(family.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"first", "pulled", "last_total"}));
}

TEST(RegistryTest, RefusesWhatWouldMakeAnInvalidPage) {
  Registry registry;
  registry.counter("a_total", "A.", {"x"});
  EXPECT_THROW(registry.counter("a_total", "again", {}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("a_total", "again as a gauge", {}), std::invalid_argument);
  EXPECT_THROW(registry.counter("requests", "no _total", {}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("bad-name", "", {}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("g1", "", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("g2", "", {"x", "x"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h1", "", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h2", "", {}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h3", "", {}, {2, 1}), std::invalid_argument);
  auto& family = registry.gauge("g3", "", {"x", "y"});
  EXPECT_THROW(family.add({"only one"}), std::invalid_argument);
  family.add({"a", "b"});
  EXPECT_THROW(family.add({"a", "b"}), std::invalid_argument);
}

// Increments from many threads are all counted (relaxed atomics lose none).
TEST(RegistryTest, ConcurrentIncrementsAreAllCounted) {
  Registry registry;
  Counter& counter = registry.counter("c_total", "C.").add();
  Histogram& histogram = registry.histogram("h", "H.", {}, {1}).add();
  constexpr int kThreads = 4;
  constexpr int kEach = 10000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        counter.inc();
        histogram.observe(2);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(counter.value(), uint64_t{kThreads} * kEach);
  const Histogram::Snapshot snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.cumulative, (std::vector<uint64_t>{0, uint64_t{kThreads} * kEach}));
  EXPECT_EQ(snapshot.sum, 2.0 * kThreads * kEach);
}

}  // namespace
}  // namespace gitgate::metrics
