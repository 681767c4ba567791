// What the metrics cost where the events happen (issue 11: "within noise" on the hot path):
// a counter increment, alone and with every thread incrementing the same one (the worst case:
// one cache line bouncing between cores), a histogram observation, and a whole scrape of a
// registry shaped like gitgate's (about 170 series), which runs on the HTTP thread only.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "metrics/process.h"
#include "metrics/registry.h"

namespace {

using gitgate::metrics::Counter;
using gitgate::metrics::Histogram;
using gitgate::metrics::Registry;

Registry& shared_registry() {
  static Registry registry;
  return registry;
}

Counter& shared_counter() {
  static Counter& counter = shared_registry().counter("bench_total", "B.").add();
  return counter;
}

void counter_inc(benchmark::State& state) {
  Counter& counter = shared_counter();
  for (auto _ : state) {
    counter.inc();
  }
  benchmark::DoNotOptimize(counter.value());
}
BENCHMARK(counter_inc)->ThreadRange(1, 4)->UseRealTime();

void histogram_observe(benchmark::State& state) {
  Registry registry;
  Histogram& histogram =
      registry
          .histogram("d_seconds", "D.", {},
                     {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900})
          .add();
  double value = 0.001;
  for (auto _ : state) {
    histogram.observe(value);
    value = value > 100 ? 0.001 : value * 1.7;
  }
}
BENCHMARK(histogram_observe);

// 25 request series, 5 histograms of 15 buckets, 11 PROXY outcomes, 7 reasons, ...
void scrape(benchmark::State& state) {
  Registry registry;
  auto& requests = registry.counter("r_total", "Requests.", {"command", "status"});
  auto& durations = registry.histogram(
      "d_seconds", "Durations.", {"command"},
      {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900});
  for (const char* command : {"clone", "fetch", "refs", "push", "other"}) {
    for (const char* status : {"0", "1", "128", "143", "other"}) {
      requests.add({command, status}).inc(12345);
    }
    durations.add({command}).observe(0.3);
  }
  auto& other = registry.counter("o_total", "Others.", {"reason"});
  for (int i = 0; i < 30; ++i) {
    other.add({"reason_" + std::to_string(i)}).inc(i);
  }
  size_t bytes = 0;
  for (auto _ : state) {
    std::string page = write_text(registry.collect());
    bytes = page.size();
    benchmark::DoNotOptimize(page);
  }
  state.counters["page_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(scrape);

void process_metrics_from_proc(benchmark::State& state) {
  for (auto _ : state) {
    auto families = gitgate::metrics::process_metrics();
    benchmark::DoNotOptimize(families);
  }
}
BENCHMARK(process_metrics_from_proc);

}  // namespace
