#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace gitgate::metrics {
namespace {

TEST(ExpositionTest, FormatsValuesAsGoParsesThem) {
  const struct {
    double value;
    const char* text;
  } cases[] = {
      {0, "0"},
      {42, "42"},
      {-3, "-3"},
      {0.005, "0.005"},
      {2.5, "2.5"},
      {9007199254740991.0, "9007199254740991"},  // 2^53 - 1: still whole
      {1e20, "1e+20"},                           // beyond 2^53: the shortest double form
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_value(c.value), c.text) << c.text;
  }
}

TEST(ExpositionTest, ChecksNames) {
  for (const char* name : {"gitgate_requests_total", "a", "_x", "ns:sub_name", "A1"}) {
    EXPECT_TRUE(valid_metric_name(name)) << name;
  }
  for (const char* name : {"", "1a", "a-b", "a b", "é"}) {
    EXPECT_FALSE(valid_metric_name(name)) << name;
  }
  for (const char* name : {"command", "_x", "le", "A1"}) {
    EXPECT_TRUE(valid_label_name(name)) << name;
  }
  // "__" is reserved for Prometheus's own labels; ':' is for recording rules' names only.
  for (const char* name : {"", "__name__", "__x", "a:b", "1a", "a-b"}) {
    EXPECT_FALSE(valid_label_name(name)) << name;
  }
}

TEST(ExpositionTest, WritesFamiliesInOrderWithEscapes) {
  const std::vector<MetricFamily> families = {
      {"x_total",
       "Lines with \\ and\nnew lines.",
       Type::kCounter,
       {{"x_total", {{"reason", "a\"b\\c\nd"}, {"kind", "k"}}, 3}}},
      {"empty", "No samples yet.", Type::kGauge, {}},
      {"g", "A gauge.", Type::kGauge, {{"g", {}, -1.5}}},
  };
  EXPECT_EQ(write_text(families),
            "# HELP x_total Lines with \\\\ and\\nnew lines.\n"
            "# TYPE x_total counter\n"
            "x_total{reason=\"a\\\"b\\\\c\\nd\",kind=\"k\"} 3\n"
            "# HELP empty No samples yet.\n"
            "# TYPE empty gauge\n"
            "# HELP g A gauge.\n"
            "# TYPE g gauge\n"
            "g -1.5\n");
}

TEST(ExpositionTest, HelpKeepsQuotesAsTheyAre) {
  // Only label values escape '"'; in HELP it is an ordinary character.
  const std::vector<MetricFamily> families = {{"h", "say \"hi\"", Type::kGauge, {}}};
  EXPECT_EQ(write_text(families), "# HELP h say \"hi\"\n# TYPE h gauge\n");
}

TEST(ExpositionTest, EmptyPageIsEmpty) { EXPECT_EQ(write_text({}), ""); }

}  // namespace
}  // namespace gitgate::metrics
