// Counters, gauges and histograms for the hot paths, and the registry that snapshots them
// for a scrape. Every label set is made at setup (Family::add, before the metric is used
// from more than one thread) and the caller keeps the reference: an increment is one
// relaxed atomic add, never a lookup, a lock or an allocation. Fixed label sets also keep
// the series count bounded: no label value comes from a client (user names, paths).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "metrics/exposition.h"

namespace gitgate::metrics {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(int64_t value) { value_.store(value, std::memory_order_relaxed); }
  void add(int64_t delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  [[nodiscard]] int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Observations counted into buckets by upper bound (le); the +Inf bucket is implied.
class Histogram {
 public:
  // bounds: finite, strictly ascending (checked by Registry::histogram).
  explicit Histogram(std::span<const double> bounds);

  void observe(double value);

  // Cumulative counts, one per bound and one for +Inf (the total), and the sum. The count
  // is read from the buckets, so it always equals the +Inf bucket.
  struct Snapshot {
    std::vector<uint64_t> cumulative;
    double sum = 0;
  };
  [[nodiscard]] Snapshot snapshot() const;
  [[nodiscard]] std::span<const double> bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0};
};

// One metric name with its children, one per label set. References returned by add()
// stay valid for the family's life.
template <typename Metric>
class Family {
 public:
  // bounds: a histogram family's bucket bounds, which each of its children gets.
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}

  // At setup only (not thread-safe against collect()): one value per label name.
  Metric& add(std::vector<std::string> label_values = {});

  struct Child {
    explicit Child(std::vector<std::string> values) : label_values(std::move(values)) {}
    Child(std::vector<std::string> values, std::span<const double> bounds)
        : label_values(std::move(values)), metric(bounds) {}
    std::vector<std::string> label_values;
    Metric metric;
  };

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& help() const { return help_; }
  [[nodiscard]] const std::vector<std::string>& label_names() const { return label_names_; }
  [[nodiscard]] const std::deque<Child>& children() const { return children_; }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  std::deque<Child> children_;  // a deque: adding never moves a child (atomics cannot move)
};

// Throws std::invalid_argument for a label set that does not match the label names, or
// one added twice: a programming error, found by the first test that builds the metrics.
void check_label_values(const std::vector<std::string>& names,
                        const std::vector<std::string>& values,
                        const std::vector<std::vector<std::string>>& existing);

template <typename Metric>
Metric& Family<Metric>::add(std::vector<std::string> label_values) {
  std::vector<std::vector<std::string>> existing;
  existing.reserve(children_.size());
  for (const Child& child : children_) {
    existing.push_back(child.label_values);
  }
  check_label_values(label_names_, label_values, existing);
  if constexpr (std::is_same_v<Metric, Histogram>) {
    return children_.emplace_back(std::move(label_values), bounds_).metric;
  } else {
    return children_.emplace_back(std::move(label_values)).metric;
  }
}

// The metrics of a process, in registration order. Registration happens at setup; after
// it, collect() may run on any thread while the metrics are updated on others.
class Registry {
 public:
  // Names are checked (valid_metric_name, valid_label_name, unique); a bad one throws
  // std::invalid_argument. A counter's name ends in "_total" (promtool's rule).
  Family<Counter>& counter(std::string name, std::string help,
                           std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string name, std::string help,
                       std::vector<std::string> label_names = {});
  // bounds: the buckets' upper bounds, finite and strictly ascending.
  Family<Histogram>& histogram(std::string name, std::string help,
                               std::vector<std::string> label_names, std::vector<double> bounds);
  // Families read at each scrape from elsewhere (another module's counters, /proc); what
  // it appends is written as it is.
  void collector(std::function<void(std::vector<MetricFamily>&)> collect);

  [[nodiscard]] std::vector<MetricFamily> collect() const;

 private:
  void check_name(const std::string& name, const std::vector<std::string>& label_names);

  std::vector<std::string> names_;
  std::deque<Family<Counter>> counters_;
  std::deque<Family<Gauge>> gauges_;
  std::deque<Family<Histogram>> histograms_;
  std::vector<std::function<void(std::vector<MetricFamily>&)>> collectors_;
};

}  // namespace gitgate::metrics
