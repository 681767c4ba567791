// The Prometheus text exposition format, version 0.0.4: what a scrape of GET /metrics
// returns. The values are snapshots taken by the registry (metrics/registry.h) or read at
// scrape time (metrics/process.h); this file only writes them.
//
// From prometheus/docs content/docs/instrumenting/exposition_formats.md, "Text format
// details":
//   # HELP metric_name docstring        (docstring escapes '\' as "\\" and line feed as "\n")
//   # TYPE metric_name counter|gauge|histogram|summary|untyped
//   metric_name [ "{" label_name "=" '"' label_value '"' { "," ... } [ "," ] "}" ] value [
//   timestamp ]
// label_value escapes '\' as "\\", '"' as "\"" and line feed as "\n". value is a float as
// Go's ParseFloat reads it, with "+Inf", "-Inf" and "NaN". All lines of one metric family
// are one group, HELP and TYPE before its first sample; a histogram's samples are
// name_bucket{le="..."} (cumulative, ending with le="+Inf"), name_sum and name_count.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gitgate::metrics {

// The Content-Type of a page write_text() produced.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class Type { kCounter, kGauge, kHistogram };

struct Label {
  std::string name;
  std::string value;
};

// One line: name is the full sample name (a histogram's "x_bucket", "x_sum", "x_count").
struct Sample {
  std::string name;
  std::vector<Label> labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;
  std::string help;
  Type type = Type::kGauge;
  std::vector<Sample> samples;
};

// [a-zA-Z_:][a-zA-Z0-9_:]* (metric names) and [a-zA-Z_][a-zA-Z0-9_]* not starting with
// "__" (label names, "__" being reserved for Prometheus's own).
[[nodiscard]] bool valid_metric_name(std::string_view name);
[[nodiscard]] bool valid_label_name(std::string_view name);

// "0.005", "42", "+Inf", "NaN": integral values below 2^53 without a fraction or exponent,
// the others in the shortest form that reads back as the same double.
[[nodiscard]] std::string format_value(double value);

// The whole page, families in the order given. Families without samples get their HELP
// and TYPE lines only.
[[nodiscard]] std::string write_text(std::span<const MetricFamily> families);

}  // namespace gitgate::metrics
