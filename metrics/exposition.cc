#include "metrics/exposition.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

namespace gitgate::metrics {
namespace {

// Doubles hold every integer up to 2^53 exactly; up to there a counter reads best whole.
constexpr double kExactIntegerLimit = 9007199254740992.0;

bool name_char(char c, bool first, bool colon) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return letter || (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

bool valid_name(std::string_view name, bool colon) {
  if (name.empty()) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0, colon)) {
      return false;
    }
  }
  return true;
}

const char* type_name(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text escapes backslash and line feed; label values also the double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void append_sample(std::string& out, const Sample& sample) {
  out += sample.name;
  if (!sample.labels.empty()) {
    out += '{';
    for (size_t i = 0; i < sample.labels.size(); ++i) {
      if (i > 0) {
        out += ',';
      }
      out += sample.labels[i].name;
      out += "=\"";
      append_escaped(out, sample.labels[i].value, true);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += format_value(sample.value);
  out += '\n';
}

}  // namespace

bool valid_metric_name(std::string_view name) { return valid_name(name, true); }

bool valid_label_name(std::string_view name) {
  return valid_name(name, false) && !name.starts_with("__");
}

std::string format_value(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  char buffer[32];
  std::to_chars_result result{};
  if (std::fabs(value) < kExactIntegerLimit && value == std::trunc(value)) {
    result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<int64_t>(value));
  } else {
    result = std::to_chars(buffer, buffer + sizeof buffer, value);
  }
  return {buffer, result.ptr};
}

std::string write_text(std::span<const MetricFamily> families) {
  std::string out;
  for (const MetricFamily& family : families) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    append_escaped(out, family.help, false);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += type_name(family.type);
    out += '\n';
    for (const Sample& sample : family.samples) {
      append_sample(out, sample);
    }
  }
  return out;
}

}  // namespace gitgate::metrics
