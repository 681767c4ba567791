// server/detail/table_reader.cc: typed fields of a TOML table, each error with its line.
#include "server/detail/table_reader.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <string>
#include <vector>

namespace gitgate::server::detail {
namespace {

// The protected reading functions, opened for the test.
class Reader : public TableReader {
 public:
  Reader() : TableReader("/etc/gitgate") {}
  using TableReader::check_keys;
  using TableReader::integer;
  using TableReader::path;
  using TableReader::string;
  using TableReader::strings;
};

std::vector<int> lines_of(const std::vector<ConfigError>& errors) {
  std::vector<int> lines;
  lines.reserve(errors.size());
  for (const ConfigError& error : errors) {
    lines.push_back(error.line);
  }
  return lines;
}

TEST(TableReaderTest, ReadsTypedFieldsAndReportsEachMistakeWithItsLine) {
  const toml::table root = toml::parse(
      "[t]\n"
      "name = 'x'\n"
      "count = 7\n"
      "big = 70\n"
      "list = ['a', 1]\n"
      "dir = 'keys'\n"
      "typo = 1\n"
      "wrong = 5\n");
  const toml::table& table = *root["t"].as_table();
  Reader reader;
  EXPECT_TRUE(reader.check_keys(&table, "t", {"name", "count", "big", "list", "dir", "wrong"}));
  ASSERT_NE(reader.string(table, "t", "name"), nullptr);
  EXPECT_EQ(reader.integer(table, "t", "count", 1, 10), 7);
  EXPECT_EQ(reader.integer(table, "t", "big", 1, 10), std::nullopt);
  EXPECT_EQ(reader.strings(table, "t", "list"), nullptr);
  EXPECT_EQ(reader.string(table, "t", "wrong"), nullptr);
  EXPECT_EQ(reader.string(table, "t", "absent"), nullptr);  // absent: no error
  EXPECT_EQ(reader.path(*table.get("dir"), "t", "dir"), std::filesystem::path("/etc/gitgate/keys"));
  EXPECT_EQ(lines_of(reader.errors()), (std::vector<int>{7, 4, 5, 8}));
  EXPECT_FALSE(reader.check_keys(nullptr, "absent", {}));
}

}  // namespace
}  // namespace gitgate::server::detail
