// apply_delta over hand-written deltas: each instruction form, and each way a delta can
// be bad (gitformat-pack, "Deltified representation").
#include "git/receive/detail/delta.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gitgate::git::detail {
namespace {

using Bytes = std::vector<uint8_t>;

struct Case {
  std::string name;
  std::string base;
  Bytes delta;
  std::string result;  // when error is empty
  std::string error;
};

// base "0123456789abcdef" (16 bytes) unless a case says otherwise.
std::vector<Case> cases() {
  const std::string base = "0123456789abcdef";
  return {
      {"insert only", base, {16, 3, 3, 'x', 'y', 'z'}, "xyz", ""},
      {"copy offset 2 size 4", base, {16, 4, 0x91, 2, 4}, "2345", ""},
      {"copy with no offset byte", base, {16, 3, 0x90, 3}, "012", ""},
      {"copy then insert", base, {16, 6, 0x91, 10, 4, 2, '!', '?'}, "abcd!?", ""},
      {"two-byte offset and size",
       std::string(300, 'q') + "END",
       {0xAF, 0x02, 3, 0xB3, 0x2c, 0x01, 3, 0},
       "END",
       ""},
      {"size zero means 0x10000",
       std::string(0x10000, 'z'),
       {0x80, 0x80, 0x04, 0x80, 0x80, 0x04, 0x80},
       std::string(0x10000, 'z'),
       ""},
      {"empty result", base, {16, 0}, "", ""},
      {"base size differs", base, {15, 3, 3, 'x', 'y', 'z'}, "", "delta base is 16 bytes"},
      {"copy past the base", base, {16, 4, 0x91, 14, 4}, "", "copies from outside its base"},
      {"copy offset far past", base, {16, 1, 0x98, 0xff, 1}, "", "copies from outside"},
      {"copy cut short", base, {16, 4, 0x91, 2}, "", "copy instruction cut short"},
      {"insert cut short", base, {16, 3, 3, 'x'}, "", "insert instruction cut short"},
      {"insert past the result", base, {16, 2, 3, 'x', 'y', 'z'}, "", "writes past"},
      {"copy past the result", base, {16, 2, 0x91, 0, 4}, "", "writes past"},
      {"reserved opcode", base, {16, 1, 0}, "", "reserved instruction 0"},
      {"result falls short", base, {16, 5, 2, 'x', 'y'}, "", "delta yields 2 bytes, not its 5"},
  };
}

TEST(Delta, Cases) {
  for (const Case& c : cases()) {
    auto sizes = parse_delta_sizes(c.delta);
    ASSERT_TRUE(std::holds_alternative<DeltaSizes>(sizes)) << c.name;
    const auto& s = std::get<DeltaSizes>(sizes);
    ObjectBuffer out(s.result);
    const std::string error = apply_delta(
        {reinterpret_cast<const uint8_t*>(c.base.data()), c.base.size()}, c.delta, s, out.data());
    if (c.error.empty()) {
      EXPECT_EQ(error, "") << c.name;
      EXPECT_EQ(std::string(out.view().begin(), out.view().end()), c.result) << c.name;
    } else {
      EXPECT_NE(error.find(c.error), std::string::npos) << c.name << ": " << error;
    }
  }
}

TEST(Delta, Sizes) {
  // 0x80 0x01 = 128; then 0xff 0xff 0x03 = 65535.
  const Bytes delta = {0x80, 0x01, 0xff, 0xff, 0x03, 9};
  const auto sizes = parse_delta_sizes(delta);
  ASSERT_TRUE(std::holds_alternative<DeltaSizes>(sizes));
  EXPECT_EQ(std::get<DeltaSizes>(sizes).base, 128U);
  EXPECT_EQ(std::get<DeltaSizes>(sizes).result, 65535U);
  EXPECT_EQ(std::get<DeltaSizes>(sizes).header_length, 5U);
  for (const Bytes& bad : {Bytes{}, Bytes{0x80}, Bytes{5}, Bytes{5, 0x81},
                           Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1}}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_delta_sizes(bad))) << bad.size();
  }
}

}  // namespace
}  // namespace gitgate::git::detail
