#include "auth/detail/key_lines.h"

#include <fmt/format.h>

#include "auth/detail/base64.h"
#include "auth/detail/ssh_wire.h"

namespace gitgate::auth::detail {
namespace {

// Longer than any real key line (a 16384-bit RSA key is about 2.8 KB of base64).
constexpr size_t kMaxLineLength = 16384;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && (is_blank(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (is_blank(text.back()) || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string_view next_token(std::string_view& rest) {
  rest = trim(rest);
  size_t end = 0;
  while (end < rest.size() && !is_blank(rest[end])) {
    ++end;
  }
  const std::string_view token = rest.substr(0, end);
  rest.remove_prefix(end);
  return token;
}

std::variant<KeyLine, std::string> read_line(std::string_view text) {
  if (text.size() > kMaxLineLength) {
    return fmt::format("line is longer than {} bytes", kMaxLineLength);
  }
  std::string_view rest = text;
  const std::string_view type = next_token(rest);
  const std::string_view encoded = next_token(rest);
  if (encoded.empty()) {
    return std::string("expected 'type base64-key [comment]' (key options are not allowed)");
  }
  auto blob = base64_decode(encoded);
  if (!blob) {
    return std::string("key data is not valid base64");
  }
  WireReader reader(*blob);
  auto inner = reader.text();
  if (!inner || *inner != type) {
    return std::string("key data is not of the type the line names");
  }
  return KeyLine{0, std::string(type), std::move(*blob)};
}

}  // namespace

std::variant<std::vector<KeyLine>, std::vector<FileError>> read_key_lines(std::string_view text) {
  std::vector<KeyLine> keys;
  std::vector<FileError> errors;
  int number = 0;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++number;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    auto parsed = read_line(line);
    if (auto* why = std::get_if<std::string>(&parsed)) {
      errors.push_back(FileError{number, std::move(*why)});
      continue;
    }
    keys.push_back(std::move(std::get<KeyLine>(parsed)));
    keys.back().line = number;
  }
  if (!errors.empty()) {
    return errors;
  }
  return keys;
}

}  // namespace gitgate::auth::detail
