#include "metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace gitgate::metrics {
namespace {

std::vector<Label> labels_of(const std::vector<std::string>& names,
                             const std::vector<std::string>& values) {
  std::vector<Label> labels;
  labels.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    labels.push_back(Label{names[i], values[i]});
  }
  return labels;
}

template <typename Metric, typename Value>
MetricFamily simple_family(const Family<Metric>& family, Type type, Value value) {
  MetricFamily out{family.name(), family.help(), type, {}};
  for (const auto& child : family.children()) {
    out.samples.push_back(Sample{family.name(), labels_of(family.label_names(), child.label_values),
                                 static_cast<double>(value(child.metric))});
  }
  return out;
}

MetricFamily histogram_family(const Family<Histogram>& family) {
  MetricFamily out{family.name(), family.help(), Type::kHistogram, {}};
  for (const auto& child : family.children()) {
    const std::vector<Label> labels = labels_of(family.label_names(), child.label_values);
    const Histogram::Snapshot snapshot = child.metric.snapshot();
    const std::span<const double> bounds = child.metric.bounds();
    for (size_t i = 0; i < snapshot.cumulative.size(); ++i) {
      std::vector<Label> with_le = labels;
      with_le.push_back(Label{"le", i < bounds.size() ? format_value(bounds[i]) : "+Inf"});
      out.samples.push_back(Sample{family.name() + "_bucket", std::move(with_le),
                                   static_cast<double>(snapshot.cumulative[i])});
    }
    out.samples.push_back(Sample{family.name() + "_sum", labels, snapshot.sum});
    out.samples.push_back(
        Sample{family.name() + "_count", labels, static_cast<double>(snapshot.cumulative.back())});
  }
  return out;
}

}  // namespace

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::observe(double value) {
  // Buckets are few (a dozen): a linear scan is as fast as a binary search here.
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) {
    ++bucket;
  }
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot out;
  out.cumulative.reserve(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    out.cumulative.push_back(total);
  }
  out.sum = sum_.load(std::memory_order_relaxed);
  return out;
}

void check_label_values(const std::vector<std::string>& names,
                        const std::vector<std::string>& values,
                        const std::vector<std::vector<std::string>>& existing) {
  if (values.size() != names.size()) {
    throw std::invalid_argument("metrics: " + std::to_string(values.size()) + " label values for " +
                                std::to_string(names.size()) + " labels");
  }
  if (std::find(existing.begin(), existing.end(), values) != existing.end()) {
    throw std::invalid_argument("metrics: a label set added twice");
  }
}

void Registry::check_name(const std::string& name, const std::vector<std::string>& label_names) {
  if (!valid_metric_name(name)) {
    throw std::invalid_argument("metrics: invalid metric name '" + name + "'");
  }
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    throw std::invalid_argument("metrics: '" + name + "' registered twice");
  }
  for (const std::string& label : label_names) {
    if (!valid_label_name(label) || label == "le" ||
        std::count(label_names.begin(), label_names.end(), label) != 1) {
      throw std::invalid_argument(std::string("metrics: label '").append(label) + "' of " + name);
    }
  }
  names_.push_back(name);
}

Family<Counter>& Registry::counter(std::string name, std::string help,
                                   std::vector<std::string> label_names) {
  if (!name.ends_with("_total")) {
    throw std::invalid_argument("metrics: counter '" + name + "' must end in _total");
  }
  check_name(name, label_names);
  Family<Counter>& family =
      counters_.emplace_back(std::move(name), std::move(help), std::move(label_names));
  collectors_.emplace_back([&family](std::vector<MetricFamily>& out) {
    out.push_back(
        simple_family(family, Type::kCounter, [](const Counter& c) { return c.value(); }));
  });
  return family;
}

Family<Gauge>& Registry::gauge(std::string name, std::string help,
                               std::vector<std::string> label_names) {
  check_name(name, label_names);
  Family<Gauge>& family =
      gauges_.emplace_back(std::move(name), std::move(help), std::move(label_names));
  collectors_.emplace_back([&family](std::vector<MetricFamily>& out) {
    out.push_back(simple_family(family, Type::kGauge, [](const Gauge& g) { return g.value(); }));
  });
  return family;
}

Family<Histogram>& Registry::histogram(std::string name, std::string help,
                                       std::vector<std::string> label_names,
                                       std::vector<double> bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      throw std::invalid_argument("metrics: bounds of '" + name +
                                  "' must be finite and strictly ascending");
    }
  }
  check_name(name, label_names);
  Family<Histogram>& family = histograms_.emplace_back(std::move(name), std::move(help),
                                                       std::move(label_names), std::move(bounds));
  collectors_.emplace_back(
      [&family](std::vector<MetricFamily>& out) { out.push_back(histogram_family(family)); });
  return family;
}

void Registry::collector(std::function<void(std::vector<MetricFamily>&)> collect) {
  collectors_.push_back(std::move(collect));
}

std::vector<MetricFamily> Registry::collect() const {
  std::vector<MetricFamily> out;
  for (const auto& collect : collectors_) {
    collect(out);
  }
  return out;
}

}  // namespace gitgate::metrics
