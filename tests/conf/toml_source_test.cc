// conf/toml_source.h: the line and the type words an error message gives for a node.
#include "conf/toml_source.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gitgate::conf {
namespace {

TEST(TomlSource, LineOfAKeyAndItsValue) {
  const toml::table table = toml::parse("\n\nname = 'x'\n");
  const auto& [key, node] = *table.begin();
  EXPECT_EQ(line_of(key), 3);
  EXPECT_EQ(line_of(node), 3);
}

TEST(TomlSource, TypeNamesInWords) {
  const toml::table table =
      toml::parse("t = {}\na = []\ns = 'x'\ni = 1\nf = 1.5\nb = true\nd = 1979-05-27\n");
  const std::vector<std::pair<std::string, std::string_view>> expected = {
      {"t", "a table"}, {"a", "an array"},  {"s", "a string"},    {"i", "an integer"},
      {"f", "a float"}, {"b", "a boolean"}, {"d", "a date/time"},
  };
  for (const auto& [key, words] : expected) {
    const toml::node* node = table.get(key);
    ASSERT_NE(node, nullptr) << key;
    EXPECT_EQ(type_name(*node), words) << key;
  }
}

TEST(TomlSource, SyntaxErrorIsAValueWithItsLine) {
  auto document = parse_document("a = 1\nb = [1,\nc = 'unterminated\n");
  const auto* syntax = std::get_if<SyntaxError>(&document);
  ASSERT_NE(syntax, nullptr);
  EXPECT_EQ(syntax->line, 3);
  EXPECT_FALSE(syntax->description.empty());
}

TEST(TomlSource, WellFormedDocumentIsItsTable) {
  auto document = parse_document("[server]\nport = 7999\n");
  const auto* table = std::get_if<toml::table>(&document);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ((*table)["server"]["port"].value<int64_t>(), 7999);
}

}  // namespace
}  // namespace gitgate::conf
