#include "git/protocol/negotiation.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace gitgate::git::detail {
namespace {

git_oid oid(int n) {
  git_oid id;
  const std::string hex = fmt::format("{:040x}", n);
  EXPECT_EQ(git_oid_fromstr(&id, hex.c_str()), 0);
  return id;
}
std::string hex(int n) { return fmt::format("{:040x}", n); }
// git_oid_tostr_s needs libgit2's thread state; these tests run without git_libgit2_init.
std::string hex(const git_oid& id) {
  char text[GIT_OID_HEXSZ + 1];
  git_oid_tostr(text, sizeof text, &id);
  return text;
}

// Commits by number with their parents: 1 <- 2 <- 3 <- 4, and 2 <- 5.
class FakeGraph : public ObjectGraph {
 public:
  bool has_object(const git_oid& id) override { return parents_.count(number(id)) > 0; }
  bool reaches(const git_oid& want, const git_oid& have) override {
    std::vector<int> todo = {number(want)};
    while (!todo.empty()) {
      const int n = todo.back();
      todo.pop_back();
      if (n == number(have)) {
        return true;
      }
      for (int parent : parents_[n]) {
        todo.push_back(parent);
      }
    }
    return false;
  }

 private:
  static int number(const git_oid& id) { return std::stoi(hex(id).substr(32), nullptr, 16); }
  std::map<int, std::vector<int>> parents_ = {{1, {}}, {2, {1}}, {3, {2}}, {4, {3}}, {5, {2}}};
};

struct Step {
  std::string input;  // a line, or "FLUSH"
  std::vector<std::string> replies;
};

struct NegotiationCase {
  std::string name;
  MultiAck multi_ack;
  bool no_done;
  std::vector<int> wants;
  std::vector<Step> steps;  // the last step finishes the negotiation
  std::vector<int> common;
};

std::vector<NegotiationCase> cases() {
  const auto have = [](int n) { return "have " + hex(n); };
  const auto ack = [](int n, std::string_view what) {
    return "ACK " + hex(n) + (what.empty() ? "" : " ") + std::string(what) + "\n";
  };
  const MultiAck detailed = MultiAck::kDetailed;
  return {
      {"clone", detailed, false, {4}, {{"done", {"NAK\n"}}}, {}},
      {"detailed_ready_then_done",
       detailed,
       false,
       {4},
       {{have(3), {ack(3, "common")}},
        {"FLUSH", {ack(3, "ready"), "NAK\n"}},
        {"done", {ack(3, "")}}},
       {3}},
      {"no_done_ends_at_ready",
       detailed,
       true,
       {4},
       {{have(3), {ack(3, "common")}}, {"FLUSH", {ack(3, "ready"), "NAK\n", ack(3, "")}}},
       {3}},
      {"unknown_have_delays_ready",
       detailed,
       false,
       {4},
       {{have(99), {}},
        {have(2), {ack(2, "common")}},
        {"FLUSH", {"NAK\n"}},
        {have(98), {ack(98, "ready")}},
        {"FLUSH", {"NAK\n"}},
        {"done", {ack(2, "")}}},
       {2}},
      {"common_that_does_not_reach_the_want",
       detailed,
       false,
       {5},
       {{have(3), {ack(3, "common")}}, {"FLUSH", {"NAK\n"}}, {"done", {ack(3, "")}}},
       {3}},
      {"repeated_have_counted_once",
       detailed,
       false,
       {4},
       {{have(3), {ack(3, "common")}}, {have(3), {ack(3, "common")}}, {"done", {ack(3, "")}}},
       {3}},
      {"multi_ack",
       MultiAck::kMultiAck,
       false,
       {4},
       {{have(3), {ack(3, "continue")}}, {"FLUSH", {"NAK\n"}}, {"done", {ack(3, "")}}},
       {3}},
      {"multi_ack_continue_on_unknown_once_ready",
       MultiAck::kMultiAck,
       false,
       {4},
       {{have(3), {ack(3, "continue")}}, {have(77), {ack(77, "continue")}}, {"done", {ack(3, "")}}},
       {3}},
      {"plain_acks_first_common_only",
       MultiAck::kNone,
       false,
       {4},
       {{have(2), {ack(2, "")}}, {have(1), {}}, {"FLUSH", {}}, {"done", {}}},
       {2, 1}},
      {"plain_nothing_common",
       MultiAck::kNone,
       false,
       {4},
       {{have(99), {}}, {"FLUSH", {"NAK\n"}}, {"done", {"NAK\n"}}},
       {}},
  };
}

TEST(Negotiator, Table) {
  for (const NegotiationCase& c : cases()) {
    FakeGraph graph;
    std::vector<git_oid> wants;
    for (int n : c.wants) {
      wants.push_back(oid(n));
    }
    Negotiator negotiator(graph, wants, c.multi_ack, c.no_done);
    for (size_t i = 0; i < c.steps.size(); ++i) {
      const Step& step = c.steps[i];
      const auto reply =
          step.input == "FLUSH" ? negotiator.on_flush() : negotiator.on_line(step.input);
      EXPECT_EQ(reply.error, "") << c.name << " step " << i;
      EXPECT_EQ(reply.lines, step.replies) << c.name << " step " << i;
      EXPECT_EQ(reply.finished, i + 1 == c.steps.size()) << c.name << " step " << i;
    }
    std::vector<std::string> common;
    for (const git_oid& id : negotiator.common()) {
      common.push_back(hex(id));
    }
    std::vector<std::string> expected;
    for (int n : c.common) {
      expected.push_back(hex(n));
    }
    EXPECT_EQ(common, expected) << c.name;
  }
}

TEST(Negotiator, ProtocolErrors) {
  const std::vector<std::string> lines = {"hav " + hex(1), "have 123", "have " + hex(1) + "x", "",
                                          "want x",        "done now"};
  for (const std::string& line : lines) {
    FakeGraph graph;
    Negotiator negotiator(graph, {oid(4)}, MultiAck::kDetailed, false);
    const auto reply = negotiator.on_line(line);
    EXPECT_NE(reply.error, "") << line;
    EXPECT_TRUE(reply.lines.empty()) << line;
  }
}

TEST(ParseWant, Table) {
  struct Case {
    std::string line;
    bool ok;
    std::string capabilities;
  };
  const std::string id = hex(0xabc);
  const std::vector<Case> cases = {
      {"want " + id, true, ""},
      {"want " + id + " multi_ack side-band-64k", true, "multi_ack side-band-64k"},
      {"want " + std::string(40, 'F'), true, ""},
      {"want " + id.substr(1), false, ""},
      {"want " + id + "0", false, ""},
      {"want  " + id, false, ""},
      {"wants " + id, false, ""},
      {"have " + id, false, ""},
      {"want " + std::string(39, 'a') + "g", false, ""},
      {"", false, ""},
  };
  for (const Case& c : cases) {
    const auto parsed = parse_want(c.line);
    ASSERT_EQ(std::holds_alternative<WantLine>(parsed), c.ok) << c.line;
    if (c.ok) {
      const auto& want = std::get<WantLine>(parsed);
      EXPECT_EQ(want.capabilities, c.capabilities);
      char text[GIT_OID_HEXSZ + 1];
      git_oid_tostr(text, sizeof text, &want.id);
      std::string expected = c.line.substr(5, 40);
      std::transform(expected.begin(), expected.end(), expected.begin(), ::tolower);
      EXPECT_EQ(std::string(text), expected);
    }
  }
}

TEST(ParseCapabilities, Table) {
  const auto none = parse_capabilities("");
  EXPECT_EQ(none.multi_ack, MultiAck::kNone);
  EXPECT_EQ(none.side_band, pktline::SideBand::kNone);
  EXPECT_FALSE(none.no_progress || none.include_tag || none.no_done || none.ofs_delta ||
               none.thin_pack);

  const auto all = parse_capabilities(
      "multi_ack side-band multi_ack_detailed side-band-64k no-progress include-tag no-done "
      "ofs-delta thin-pack agent=git/2.39.5 unknown-thing");
  EXPECT_EQ(all.multi_ack, MultiAck::kDetailed);
  EXPECT_EQ(all.side_band, pktline::SideBand::kSideBand64k);
  EXPECT_TRUE(all.no_progress && all.include_tag && all.no_done && all.ofs_delta && all.thin_pack);

  const auto older = parse_capabilities("side-band-64k side-band multi_ack_detailed multi_ack");
  EXPECT_EQ(older.multi_ack, MultiAck::kDetailed);
  EXPECT_EQ(older.side_band, pktline::SideBand::kSideBand64k);

  EXPECT_EQ(parse_capabilities("side-band multi_ack").side_band, pktline::SideBand::kSideBand);
  EXPECT_EQ(parse_capabilities("side-band multi_ack").multi_ack, MultiAck::kMultiAck);
}

}  // namespace
}  // namespace gitgate::git::detail
