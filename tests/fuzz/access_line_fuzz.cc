// format_access_line over arbitrary field text: the line is printable ASCII, splits into
// exactly 13 fields on " | ", and every text field unescapes back to the bytes it was given
// (the escaping rule atop logging/access_log.cc loses nothing and forges nothing).
// Input: user, action, details, a label, session id and node, separated by NUL bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "logging/access_log.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using gitgate::fuzz::check;

std::vector<std::string> split(std::string_view text, std::string_view separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string_view::npos;
       at = text.find(separator, start)) {
    parts.emplace_back(text.substr(start, at - start));
    start = at + separator.size();
  }
  parts.emplace_back(text.substr(start));
  return parts;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// "\xNN" back to the byte; anything else as it is. A malformed escape fails the check.
std::string unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    check(i + 3 < text.size());
    check(text[i + 1] == 'x' && hex_digit(text[i + 2]) >= 0 && hex_digit(text[i + 3]) >= 0);
    out.push_back(static_cast<char>(hex_digit(text[i + 2]) * 16 + hex_digit(text[i + 3])));
    i += 3;
  }
  return out;
}

// A text field as format_access_line writes it: "-" for nothing.
void check_field(const std::string& field, const std::string& given) {
  check(given.empty() ? field == "-" : unescape(field) == given);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts =
      split(std::string_view(reinterpret_cast<const char*>(data), size), std::string_view("\0", 1));
  parts.resize(6);
  gitgate::logging::AccessRecord record;
  record.user = parts[0];
  record.action = parts[1];
  record.details = parts[2];
  record.labels = {parts[3]};
  record.session_id = parts[4];
  record.request_id.node = parts[5];
  const std::string line = format_access_line(record, gitgate::logging::LineKind::kEnd);
  for (const char c : line) {
    check(c >= 0x20 && c < 0x7f);
  }
  check(line.ends_with(" |"));
  const auto fields = split(std::string_view(line).substr(0, line.size() - 2), " | ");
  check(fields.size() == 13);
  check_field(fields[3], parts[0]);
  check_field(fields[5], parts[1]);
  check(fields[6].size() >= 2 && fields[6].front() == '"' && fields[6].back() == '"');
  check(unescape(std::string_view(fields[6]).substr(1, fields[6].size() - 2)) == parts[2]);
  check_field(fields[10], parts[3]);
  check_field(fields[12], parts[4]);
  check(fields[2].starts_with("o@") && fields[2].ends_with("x0x0x0"));
  check(unescape(std::string_view(fields[2]).substr(2, fields[2].size() - 8)) == parts[5]);
  return 0;
}
