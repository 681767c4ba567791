// Errors that carry a line and a message (config and users files): the table-driven
// check both parsers' tests use.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace gitgate::testing {

struct ExpectedError {
  int line;
  std::string_view message_part;
};

// "  3: message\n" per error, for failure messages.
template <typename Error>
std::string errors_text(const std::vector<Error>& errors) {
  std::string out;
  for (const auto& e : errors) {
    out += fmt::format("  {}: {}\n", e.line, e.message);
  }
  return out;
}

// errors are exactly `expected`, in order: each on its line, each message containing its part.
template <typename Error>
void expect_line_errors(std::string_view name, const std::vector<Error>& errors,
                        const std::vector<ExpectedError>& expected) {
  ASSERT_EQ(errors.size(), expected.size()) << name << ":\n" << errors_text(errors);
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i].line, expected[i].line) << name << ":\n" << errors_text(errors);
    EXPECT_NE(errors[i].message.find(expected[i].message_part), std::string::npos)
        << name << ":\n"
        << errors_text(errors);
    EXPECT_FALSE(errors[i].message.empty()) << name;
  }
}

}  // namespace gitgate::testing
