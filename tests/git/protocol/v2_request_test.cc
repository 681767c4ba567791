#include "git/protocol/v2_request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "git/pack/libgit2.h"
#include "tests/testing/pktline_builder.h"

namespace gitgate::git::detail {
namespace {

using gitgate::testing::PktBuilder;

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The parsed arguments written back as lines, in a fixed order, to compare with the input.
std::vector<std::string> argument_lines(const V2Request& request) {
  std::vector<std::string> lines;
  if (const auto* ls = std::get_if<LsRefsArgs>(&request.args)) {
    for (const auto& [set, name] : {std::pair{ls->symrefs, "symrefs"}, std::pair{ls->peel, "peel"},
                                    std::pair{ls->unborn, "unborn"}}) {
      if (set) {
        lines.emplace_back(name);
      }
    }
    for (const std::string& prefix : ls->prefixes) {
      lines.push_back("ref-prefix " + prefix);
    }
  } else if (const auto* fetch = std::get_if<FetchArgs>(&request.args)) {
    for (const git_oid& id : fetch->wants) {
      lines.push_back("want " + to_hex(id));
    }
    for (const git_oid& id : fetch->haves) {
      lines.push_back("have " + to_hex(id));
    }
    if (fetch->done) {
      lines.emplace_back("done");
    }
  } else {
    for (const git_oid& id : std::get<ObjectInfoArgs>(request.args).ids) {
      lines.push_back("oid " + to_hex(id));
    }
  }
  return lines;
}

struct Case {
  std::string name;
  std::string input;
  // Expected: a command with these capabilities and arguments, the end of the session,
  // or an error containing this text.
  std::optional<V2Command> command;
  std::vector<std::string> capabilities;
  std::vector<std::string> arguments;
  std::string error;
  bool end = false;
};

std::vector<Case> cases() {
  const std::string oid(40, 'a');
  return {
      {"ls_refs",
       PktBuilder()
           .line("command=ls-refs")
           .line("agent=git/2.39.5")
           .line("object-format=sha1")
           .delim()
           .line("peel")
           .line("ref-prefix refs/heads/")
           .flush()
           .str(),
       V2Command::kLsRefs,
       {"agent=git/2.39.5", "object-format=sha1"},
       {"peel", "ref-prefix refs/heads/"},
       "",
       false},
      {"capability_before_command",
       PktBuilder().line("agent=x").line("command=fetch").delim().line("done").flush().str(),
       V2Command::kFetch,
       {"agent=x"},
       {"done"},
       "",
       false},
      {"no_delim_no_args",
       PktBuilder().line("command=object-info").flush().str(),
       V2Command::kObjectInfo,
       {},
       {},
       "",
       false},
      {"without_lf",
       PktBuilder().data("command=fetch").delim().data("done").flush().str(),
       V2Command::kFetch,
       {},
       {"done"},
       "",
       false},
      {"server_option",
       PktBuilder().line("command=ls-refs").line("server-option=a b").flush().str(),
       V2Command::kLsRefs,
       {"server-option=a b"},
       {},
       "",
       false},
      {"end_of_session", "0000", std::nullopt, {}, {}, "", true},
      {"unknown_command",
       PktBuilder().line("command=push").flush().str(),
       std::nullopt,
       {},
       {},
       "invalid command 'push'",
       false},
      {"two_commands",
       PktBuilder().line("command=fetch").line("command=ls-refs").flush().str(),
       std::nullopt,
       {},
       {},
       "requested after already requesting",
       false},
      {"unknown_capability",
       PktBuilder().line("command=fetch").line("thin-pack").flush().str(),
       std::nullopt,
       {},
       {},
       "unknown capability 'thin-pack'",
       false},
      {"sha256",
       PktBuilder().line("command=fetch").line("object-format=sha256").flush().str(),
       std::nullopt,
       {},
       {},
       "mismatched object format: server sha1; client sha256",
       false},
      {"object_format_without_value",
       PktBuilder().line("command=fetch").line("object-format").flush().str(),
       std::nullopt,
       {},
       {},
       "requires an argument"},
      {"no_command",
       PktBuilder().line("agent=x").delim().line("done").flush().str(),
       std::nullopt,
       {},
       {},
       "no command requested",
       false},
      {"delim_first", "00010000", std::nullopt, {}, {}, "no command requested", false},
      {"no_command_no_delim",
       PktBuilder().line("agent=x").flush().str(),
       std::nullopt,
       {},
       {},
       "no command requested",
       false},
      {"two_delims",
       PktBuilder().line("command=fetch").delim().delim().flush().str(),
       std::nullopt,
       {},
       {},
       "expected flush after arguments",
       false},
      {"response_end",
       PktBuilder().line("command=fetch").raw("0002").str(),
       std::nullopt,
       {},
       {},
       "unexpected response end packet",
       false},
      {"malformed",
       PktBuilder().line("command=fetch").raw("00zz").str(),
       std::nullopt,
       {},
       {},
       "bad line length",
       false},
      {"args_with_oid",
       PktBuilder().line("command=fetch").delim().line("want " + oid).line("done").flush().str(),
       V2Command::kFetch,
       {},
       {"want " + oid, "done"},
       "",
       false},
  };
}

// Every split: the parser needs more until the whole request is there, then gives the
// same answer, whatever follows.
TEST(V2Request, EverySplit) {
  for (const Case& c : cases()) {
    const std::string input = c.input + "0000garbage";
    for (size_t cut = 0; cut < c.input.size(); ++cut) {
      const auto partial = parse_v2_request(bytes(input).first(cut));
      if (c.error.empty()) {
        EXPECT_TRUE(std::holds_alternative<V2NeedMore>(partial)) << c.name << " cut " << cut;
      } else if (!std::holds_alternative<V2NeedMore>(partial)) {
        // An error may be seen before the end; it is the same error.
        ASSERT_TRUE(std::holds_alternative<V2Invalid>(partial)) << c.name << " cut " << cut;
        EXPECT_NE(std::get<V2Invalid>(partial).reason.find(c.error), std::string::npos) << c.name;
      }
    }
    const auto result = parse_v2_request(bytes(input));
    if (!c.error.empty()) {
      ASSERT_TRUE(std::holds_alternative<V2Invalid>(result)) << c.name;
      EXPECT_NE(std::get<V2Invalid>(result).reason.find(c.error), std::string::npos)
          << c.name << ": " << std::get<V2Invalid>(result).reason;
    } else if (c.end) {
      ASSERT_TRUE(std::holds_alternative<V2EndOfSession>(result)) << c.name;
      EXPECT_EQ(std::get<V2EndOfSession>(result).consumed, 4U);
    } else {
      ASSERT_TRUE(std::holds_alternative<V2Parsed>(result)) << c.name;
      const auto& parsed = std::get<V2Parsed>(result);
      EXPECT_EQ(parsed.consumed, c.input.size()) << c.name;
      EXPECT_EQ(parsed.request.command, *c.command) << c.name;
      EXPECT_EQ(parsed.request.capabilities, c.capabilities) << c.name;
      EXPECT_EQ(argument_lines(parsed.request), c.arguments) << c.name;
    }
  }
}

TEST(V2Request, LsRefsArgs) {
  const auto ok =
      parse_ls_refs_args({"symrefs", "peel", "unborn", "ref-prefix HEAD", "ref-prefix refs/tags/"});
  ASSERT_TRUE(std::holds_alternative<LsRefsArgs>(ok));
  const auto& args = std::get<LsRefsArgs>(ok);
  EXPECT_TRUE(args.symrefs && args.peel && args.unborn);
  EXPECT_EQ(args.prefixes, (std::vector<std::string>{"HEAD", "refs/tags/"}));
  const auto bad = parse_ls_refs_args({"peel", "symref"});
  ASSERT_TRUE(std::holds_alternative<std::string>(bad));
  EXPECT_EQ(std::get<std::string>(bad), "unexpected line: 'symref'");
}

TEST(V2Request, FetchArgs) {
  const std::string a(40, 'a');
  const std::string b(40, 'b');
  const auto ok =
      parse_fetch_args({"thin-pack", "no-progress", "include-tag", "ofs-delta", "want " + a,
                        "have " + b, "shallow " + b, "deepen 3", "deepen-relative",
                        "filter blob:none", "want-ref refs/x", "wait-for-done", "done"});
  ASSERT_TRUE(std::holds_alternative<FetchArgs>(ok)) << std::get<std::string>(ok);
  const auto& args = std::get<FetchArgs>(ok);
  EXPECT_TRUE(args.thin_pack && args.no_progress && args.include_tag && args.ofs_delta &&
              args.done && args.wait_for_done);
  ASSERT_EQ(args.wants.size(), 1U);
  ASSERT_EQ(args.haves.size(), 1U);
  EXPECT_EQ(args.shallow.client_shallows.size(), 1U);
  EXPECT_EQ(args.shallow.depth, 3);
  EXPECT_TRUE(args.shallow.relative);
  EXPECT_EQ(args.filter, "blob:none");
  EXPECT_EQ(args.want_refs, std::vector<std::string>{"refs/x"});

  struct Bad {
    std::vector<std::string> args;
    std::string error;
  };
  for (const Bad& bad : std::vector<Bad>{
           {{"want " + a.substr(1)}, "expected to get object ID"},
           {{"have zz"}, "expected to get object ID"},
           {{"sideband-all"}, "unexpected line: 'sideband-all'"},
           {{"packfile-uris https"}, "unexpected line"},
           {{"deepen 0"}, "Invalid deepen: deepen 0"},
           {{"deepen -1"}, "Invalid deepen"},
           {{"deepen 1x"}, "Invalid deepen"},
           {{"deepen-since x"}, "Invalid deepen-since"},
           {{"shallow 12"}, "invalid shallow line"},
           {{"deepen 1", "deepen-since 5"}, "cannot be used together"},
           {{"deepen 1", "deepen-not v1"}, "cannot be used together"},
           {{"filter blob:none", "filter tree:0"}, "multiple filter-specs"},
       }) {
    const auto result = parse_fetch_args(bad.args);
    ASSERT_TRUE(std::holds_alternative<std::string>(result)) << bad.error;
    EXPECT_NE(std::get<std::string>(result).find(bad.error), std::string::npos)
        << std::get<std::string>(result);
  }
}

TEST(V2Request, ObjectInfoArgs) {
  const std::string a(40, 'a');
  const auto ok = parse_object_info_args({"size", "oid " + a, "oid " + a});
  ASSERT_TRUE(std::holds_alternative<ObjectInfoArgs>(ok));
  EXPECT_TRUE(std::get<ObjectInfoArgs>(ok).size);
  EXPECT_EQ(std::get<ObjectInfoArgs>(ok).ids.size(), 2U);
  const auto bad = parse_object_info_args({"type"});
  ASSERT_TRUE(std::holds_alternative<std::string>(bad));
  EXPECT_EQ(std::get<std::string>(bad), "object-info: unexpected line: 'type'");
}

// Each limit below, at and above its bound, through the parser with every split of the
// request: a refusal names the limit and comes before the lines past it are stored.
TEST(V2Request, LimitsBelowAtAndAbove) {
  RequestLimits limits;
  limits.max_wants = 2;
  limits.max_haves = 3;
  limits.max_shallow = 1;
  limits.max_deepen_not = 2;
  struct Kind {
    std::string line;  // repeated
    size_t bound;
    std::string error;
  };
  const std::vector<Kind> kinds = {
      {"want " + std::string(40, 'a'), 2, "too many want lines (limit 2, max_wants)"},
      {"want-ref refs/heads/x", 2, "too many want lines (limit 2, max_wants)"},
      {"have " + std::string(40, 'b'), 3, "too many have lines (limit 3, max_haves)"},
      {"shallow " + std::string(40, 'c'), 1, "too many shallow lines (limit 1, max_shallow)"},
      {"deepen-not v1", 2, "too many deepen-not lines (limit 2, max_deepen_not)"},
  };
  for (const Kind& kind : kinds) {
    for (const size_t n : {kind.bound - 1, kind.bound, kind.bound + 1}) {
      PktBuilder b;
      b.line("command=fetch").delim();
      for (size_t i = 0; i < n; ++i) {
        b.line(kind.line);
      }
      const std::string input = b.flush().str();
      for (size_t cut = 0; cut <= input.size(); ++cut) {
        const auto result = parse_v2_request(bytes(input).first(cut), limits);
        if (n <= kind.bound) {
          EXPECT_TRUE(cut == input.size() ? std::holds_alternative<V2Parsed>(result)
                                          : std::holds_alternative<V2NeedMore>(result))
              << kind.line << " x" << n << " cut " << cut;
        } else if (!std::holds_alternative<V2NeedMore>(result)) {
          ASSERT_TRUE(std::holds_alternative<V2Invalid>(result)) << kind.line;
          EXPECT_EQ(std::get<V2Invalid>(result).reason, "upload-pack: " + kind.error);
        }
      }
      if (n > kind.bound) {  // refused at the line past the bound, before the flush
        const std::string head = input.substr(0, input.size() - 4);
        EXPECT_TRUE(std::holds_alternative<V2Invalid>(parse_v2_request(bytes(head), limits)));
      }
    }
  }
}

TEST(V2Request, RequestBytesBelowAtAndAbove) {
  const std::string input =
      PktBuilder().line("command=fetch").delim().line("want " + std::string(40, 'a')).flush().str();
  for (const size_t bound : {input.size() - 1, input.size(), input.size() + 1}) {
    RequestLimits limits;
    limits.max_request_bytes = bound;
    const auto result = parse_v2_request(bytes(input), limits);
    if (bound < input.size()) {
      ASSERT_TRUE(std::holds_alternative<V2Invalid>(result));
      EXPECT_EQ(std::get<V2Invalid>(result).reason, "upload-pack: too many request bytes (limit " +
                                                        std::to_string(bound) +
                                                        ", max_request_bytes)");
    } else {
      EXPECT_TRUE(std::holds_alternative<V2Parsed>(result)) << bound;
    }
  }
}

// As git's ls-refs: up to the limit the prefixes apply; past it they are all dropped and
// every ref is listed, which is not an error.
TEST(V2Request, RefPrefixesBelowAtAndAbove) {
  RequestLimits limits;
  limits.max_ref_prefixes = 3;
  for (const size_t n : {size_t{2}, size_t{3}, size_t{4}, size_t{10}}) {
    PktBuilder b;
    b.line("command=ls-refs").delim();
    for (size_t i = 0; i < n; ++i) {
      b.line("ref-prefix refs/heads/" + std::to_string(i));
    }
    const auto result = parse_v2_request(bytes(b.flush().str()), limits);
    ASSERT_TRUE(std::holds_alternative<V2Parsed>(result)) << n;
    const auto& args = std::get<LsRefsArgs>(std::get<V2Parsed>(result).request.args);
    EXPECT_EQ(args.prefixes.size(), n <= 3 ? n : 0U) << n;
  }
  // The default is git's: 65535 apply, 65536 mean every ref.
  EXPECT_EQ(RequestLimits{}.max_ref_prefixes, 65535U);
}

// Repeated wants and haves are kept once, in the order first sent.
TEST(V2Request, FetchIdsDeduplicated) {
  const std::string a(40, 'a');
  const std::string b(40, 'b');
  const auto parsed = parse_fetch_args(
      {"want " + b, "want " + a, "want " + b, "have " + a, "have " + a, "have " + b});
  ASSERT_TRUE(std::holds_alternative<FetchArgs>(parsed));
  const auto& args = std::get<FetchArgs>(parsed);
  ASSERT_EQ(args.wants.size(), 2U);
  EXPECT_EQ(to_hex(args.wants[0]), b);
  EXPECT_EQ(to_hex(args.wants[1]), a);
  ASSERT_EQ(args.haves.size(), 2U);
  EXPECT_EQ(to_hex(args.haves[0]), a);
}

}  // namespace
}  // namespace gitgate::git::detail
