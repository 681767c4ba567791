#include "git/receive/commands.h"

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

const std::string kZero(40, '0');
const std::string kA(40, 'a');
const std::string kB(40, 'b');
const std::string kC(40, 'c');

// The parsed request written back as lines, to compare with what was sent.
std::vector<std::string> request_lines(const UpdateRequest& request) {
  std::vector<std::string> lines;
  for (const git_oid& id : request.shallow) {
    lines.push_back("shallow " + to_hex(id));
  }
  for (const RefCommand& command : request.commands) {
    lines.push_back(to_hex(command.old_id) + " " + to_hex(command.new_id) + " " + command.ref);
  }
  return lines;
}

std::vector<std::string> capability_words(const PushCapabilities& caps) {
  std::vector<std::string> words;
  for (const auto& [set, name] :
       {std::pair{caps.report_status, "report-status"},
        std::pair{caps.report_status_v2, "report-status-v2"},
        std::pair{caps.delete_refs, "delete-refs"}, std::pair{caps.side_band_64k, "side-band-64k"},
        std::pair{caps.quiet, "quiet"}, std::pair{caps.atomic, "atomic"},
        std::pair{caps.ofs_delta, "ofs-delta"}, std::pair{caps.push_options, "push-options"}}) {
    if (set) {
      words.emplace_back(name);
    }
  }
  if (!caps.agent.empty()) {
    words.push_back("agent=" + caps.agent);
  }
  return words;
}

struct Case {
  std::string name;
  std::string input;
  // Expected: these lines and capabilities, an empty push, or an error equal to this.
  std::vector<std::string> lines;
  std::vector<std::string> capabilities;
  std::string error;
  bool empty = false;
};

std::string first(const std::string& command, std::string_view caps) {
  return command + std::string(1, '\0') + std::string(caps) + "\n";
}

std::vector<Case> cases() {
  const std::string update = kA + " " + kB + " refs/heads/main";
  const std::string create = kZero + " " + kB + " refs/heads/new";
  const std::string del = kA + " " + kZero + " refs/heads/old";
  return {
      {"git_client",
       PktBuilder()
           .data(first(update,
                       "report-status-v2 side-band-64k quiet object-format=sha1 "
                       "agent=git/2.39.5"))
           .flush()
           .str(),
       {update},
       {"report-status-v2", "side-band-64k", "quiet", "agent=git/2.39.5"},
       "",
       false},
      {"create_update_delete",
       PktBuilder()
           .data(first(create, "report-status delete-refs atomic ofs-delta push-options"))
           .line(update)
           .data(del)  // without LF
           .flush()
           .str(),
       {create, update, del},
       {"report-status", "delete-refs", "atomic", "ofs-delta", "push-options"},
       "",
       false},
      {"no_capabilities", PktBuilder().line(update).flush().str(), {update}, {}, "", false},
      {"empty_capability_list",
       PktBuilder().data(first(update, "")).flush().str(),
       {update},
       {},
       "",
       false},
      {"unknown_capabilities_ignored",
       PktBuilder().data(first(update, "session-id=x side-band no-such-thing quiet")).flush().str(),
       {update},
       {"quiet"},
       "",
       false},
      {"upper_case_hex",
       PktBuilder().line(std::string(40, 'A') + " " + kB + " refs/heads/x").flush().str(),
       {kA + " " + kB + " refs/heads/x"},
       {},
       "",
       false},
      {"ref_name_with_spaces_kept",  // the name is checked later, by check_pushed_ref_name
       PktBuilder().line(kA + " " + kB + " refs/heads/a b").flush().str(),
       {kA + " " + kB + " refs/heads/a b"},
       {},
       "",
       false},
      {"shallow",
       PktBuilder().line("shallow " + kC).line("shallow " + kB).line(update).flush().str(),
       {"shallow " + kC, "shallow " + kB, update},
       {},
       "",
       false},
      {"empty_push", "0000", {}, {}, "", true},
      {"shallow_then_empty", PktBuilder().line("shallow " + kC).flush().str(), {}, {}, "", true},
      {"sha256",
       PktBuilder().data(first(update, "object-format=sha256")).flush().str(),
       {},
       {},
       "unsupported object format 'sha256'",
       false},
      {"push_cert",
       PktBuilder().data(first("push-cert", "report-status")).flush().str(),
       {},
       {},
       "protocol error: push-cert is not supported",
       false},
      {"bad_old_oid",
       PktBuilder().line(std::string(39, 'a') + "g " + kB + " refs/heads/x").flush().str(),
       {},
       {},
       "protocol error: expected old/new/ref, got '" + std::string(39, 'a') + "g " + kB +
           " refs/heads/x'",
       false},
      {"short_new_oid",
       PktBuilder().line(kA + " " + std::string(39, 'b') + " refs/heads/x").flush().str(),
       {},
       {},
       "protocol error: expected old/new/ref, got '" + kA + " " + std::string(39, 'b') +
           " refs/heads/x'",
       false},
      {"missing_space",
       PktBuilder().line(kA + kB + " refs/heads/x").flush().str(),
       {},
       {},
       "protocol error: expected old/new/ref, got '" + kA + kB + " refs/heads/x'",
       false},
      {"empty_ref_name",
       PktBuilder().line(kA + " " + kB + " ").flush().str(),
       {},
       {},
       "protocol error: expected old/new/ref, got '" + kA + " " + kB + " '",
       false},
      {"empty_packet",
       PktBuilder().data("").flush().str(),
       {},
       {},
       "protocol error: expected old/new/ref, got ''",
       false},
      {"bad_shallow",
       PktBuilder().line("shallow xyz").flush().str(),
       {},
       {},
       "protocol error: expected shallow sha, got 'xyz'",
       false},
      {"shallow_after_command",
       PktBuilder().line(update).line("shallow " + kC).flush().str(),
       {},
       {},
       "protocol error: expected old/new/ref, got 'shallow " + kC + "'",
       false},
      {"capabilities_twice",
       PktBuilder().data(first(update, "quiet")).data(first(del, "atomic")).flush().str(),
       {},
       {},
       "protocol error: capabilities after the first command",
       false},
      {"delim",
       PktBuilder().line(update).delim().flush().str(),
       {},
       {},
       "protocol error: unexpected special packet in the command list",
       false},
      {"control_bytes_quoted",
       PktBuilder().line("\x1b[31mred").flush().str(),
       {},
       {},
       "protocol error: expected old/new/ref, got '?[31mred'",
       false},
  };
}

// Every split: the parser needs more until the whole request is there, then gives the
// same answer whatever follows (the pack); an error may come early, and is the same.
TEST(UpdateRequest, EverySplit) {
  for (const Case& c : cases()) {
    const std::string input = c.input + std::string("PACK\0\0\0\2", 8);
    for (size_t cut = 0; cut < c.input.size(); ++cut) {
      const auto partial = parse_update_request(bytes(input).first(cut));
      if (c.error.empty()) {
        EXPECT_TRUE(std::holds_alternative<UpdateNeedMore>(partial.result))
            << c.name << " cut " << cut;
      } else if (!std::holds_alternative<UpdateNeedMore>(partial.result)) {
        ASSERT_TRUE(std::holds_alternative<UpdateInvalid>(partial.result)) << c.name;
        EXPECT_EQ(std::get<UpdateInvalid>(partial.result).reason, c.error) << c.name;
      }
    }
    const auto result = parse_update_request(bytes(input));
    if (!c.error.empty()) {
      ASSERT_TRUE(std::holds_alternative<UpdateInvalid>(result.result)) << c.name;
      EXPECT_EQ(std::get<UpdateInvalid>(result.result).reason, c.error) << c.name;
    } else if (c.empty) {
      EXPECT_TRUE(std::holds_alternative<UpdateEmpty>(result.result)) << c.name;
      EXPECT_EQ(result.consumed, c.input.size()) << c.name;
    } else {
      ASSERT_TRUE(std::holds_alternative<UpdateParsed>(result.result)) << c.name;
      const auto& request = std::get<UpdateParsed>(result.result).request;
      EXPECT_EQ(result.consumed, c.input.size()) << c.name;
      EXPECT_EQ(request_lines(request), c.lines) << c.name;
      EXPECT_EQ(capability_words(request.capabilities), c.capabilities) << c.name;
    }
  }
}

// The same cases packet by packet through the parser, as receive_pack feeds it: need
// more at every packet before the last, and the answer at the last.
TEST(UpdateRequest, PacketByPacket) {
  for (const Case& c : cases()) {
    UpdateRequestParser parser{PushSettings{}};
    std::span<const uint8_t> rest = bytes(c.input);
    std::optional<UpdateParseResult> last;
    while (!rest.empty()) {
      const auto parsed = pktline::parse(rest);
      ASSERT_TRUE(std::holds_alternative<pktline::Packet>(parsed)) << c.name;
      const auto& packet = std::get<pktline::Packet>(parsed);
      rest = rest.subspan(packet.consumed);
      last = parser.feed(packet);
      if (!std::holds_alternative<UpdateNeedMore>(*last)) {
        break;
      }
    }
    ASSERT_TRUE(last.has_value()) << c.name;
    if (!c.error.empty()) {
      ASSERT_TRUE(std::holds_alternative<UpdateInvalid>(*last)) << c.name;
      EXPECT_EQ(std::get<UpdateInvalid>(*last).reason, c.error) << c.name;
    } else {
      EXPECT_TRUE(rest.empty()) << c.name;  // the answer comes at the flush, not before
      EXPECT_EQ(std::holds_alternative<UpdateEmpty>(*last), c.empty) << c.name;
      EXPECT_EQ(std::holds_alternative<UpdateParsed>(*last), !c.empty) << c.name;
    }
    // A spent parser takes nothing more.
    EXPECT_TRUE(std::holds_alternative<UpdateInvalid>(parser.feed(pktline::Packet{})));
  }
}

TEST(UpdateRequest, CreateAndDelete) {
  const auto result = parse_update_request(bytes(PktBuilder()
                                                     .line(kZero + " " + kB + " refs/heads/new")
                                                     .line(kA + " " + kZero + " refs/heads/old")
                                                     .line(kA + " " + kB + " refs/heads/main")
                                                     .flush()
                                                     .str()));
  ASSERT_TRUE(std::holds_alternative<UpdateParsed>(result.result));
  const auto& commands = std::get<UpdateParsed>(result.result).request.commands;
  ASSERT_EQ(commands.size(), 3U);
  EXPECT_TRUE(is_create(commands[0]));
  EXPECT_FALSE(is_delete(commands[0]));
  EXPECT_FALSE(is_create(commands[1]));
  EXPECT_TRUE(is_delete(commands[1]));
  EXPECT_FALSE(is_create(commands[2]));
  EXPECT_FALSE(is_delete(commands[2]));
}

// max_commands and max_command_list_bytes below, at and above their bound, every split:
// a refusal names the limit and comes at the packet past the bound, before the flush.
TEST(UpdateRequest, Limits) {
  const std::string command = kA + " " + kB + " refs/heads/x";
  const size_t packet_size = 4 + command.size() + 1;
  struct Limit {
    PushSettings settings;
    size_t bound;  // commands that fit
    std::string error;
  };
  PushSettings by_count;
  by_count.max_commands = 3;
  PushSettings by_bytes;
  by_bytes.max_command_list_bytes = 2 * packet_size + 4;  // two commands and the flush
  const std::vector<Limit> limits = {
      {by_count, 3, "too many ref update commands (limit 3, max_commands)"},
      {by_bytes, 2,
       "command list too long (limit " + std::to_string(2 * packet_size + 4) +
           ", max_command_list_bytes)"},
  };
  for (const Limit& limit : limits) {
    for (const size_t n : {limit.bound - 1, limit.bound, limit.bound + 1}) {
      PktBuilder b;
      for (size_t i = 0; i < n; ++i) {
        b.line(command);
      }
      const std::string input = b.flush().str();
      for (size_t cut = 0; cut <= input.size(); ++cut) {
        const auto result = parse_update_request(bytes(input).first(cut), limit.settings);
        if (n <= limit.bound) {
          EXPECT_TRUE(cut == input.size() ? std::holds_alternative<UpdateParsed>(result.result)
                                          : std::holds_alternative<UpdateNeedMore>(result.result))
              << limit.error << " x" << n << " cut " << cut;
        } else if (!std::holds_alternative<UpdateNeedMore>(result.result)) {
          ASSERT_TRUE(std::holds_alternative<UpdateInvalid>(result.result)) << limit.error;
          EXPECT_EQ(std::get<UpdateInvalid>(result.result).reason, limit.error);
        }
      }
      if (n > limit.bound) {  // refused without the flush
        const auto result =
            parse_update_request(bytes(input).first(input.size() - 4), limit.settings);
        ASSERT_TRUE(std::holds_alternative<UpdateInvalid>(result.result)) << limit.error;
      }
    }
  }
}

// Push options, packet by packet, with their limits.
struct OptionsCase {
  std::string name;
  std::string input;
  std::vector<std::string> options;
  std::string error;
};

TEST(PushOptions, Table) {
  PushSettings limits;
  limits.max_push_options = 2;
  limits.max_push_option_bytes = 8;
  const std::vector<OptionsCase> cases = {
      {"none", "0000", {}, ""},
      {"two", PktBuilder().line("ci.skip").data("a b=c").flush().str(), {"ci.skip", "a b=c"}, ""},
      {"utf8_and_empty",
       PktBuilder().line("\xc3\xa9t\xc3\xa9").line("").flush().str(),
       {"\xc3\xa9t\xc3\xa9", ""},
       ""},
      {"at_byte_limit", PktBuilder().line("12345678").flush().str(), {"12345678"}, ""},
      {"over_byte_limit",
       PktBuilder().line("123456789").flush().str(),
       {},
       "push option too long (limit 8, max_push_option_bytes)"},
      {"too_many",
       PktBuilder().line("a").line("b").line("c").flush().str(),
       {},
       "too many push options (limit 2, max_push_options)"},
      {"nul",
       PktBuilder().data(std::string("a\0b", 3)).flush().str(),
       {},
       "protocol error: push option with a NUL or LF: 'a?b'"},
      {"inner_lf",
       PktBuilder().data("a\nb").flush().str(),
       {},
       "protocol error: push option with a NUL or LF: 'a?b'"},
      {"delim",
       PktBuilder().delim().str(),
       {},
       "protocol error: unexpected special packet in the push options"},
  };
  for (const OptionsCase& c : cases) {
    PushOptionsParser parser(limits);
    std::span<const uint8_t> rest = bytes(c.input);
    std::optional<PushOptionsParseResult> last;
    while (!rest.empty()) {
      const auto parsed = pktline::parse(rest);
      ASSERT_TRUE(std::holds_alternative<pktline::Packet>(parsed)) << c.name;
      const auto& packet = std::get<pktline::Packet>(parsed);
      rest = rest.subspan(packet.consumed);
      last = parser.feed(packet);
      if (!std::holds_alternative<UpdateNeedMore>(*last)) {
        break;
      }
    }
    ASSERT_TRUE(last.has_value()) << c.name;
    if (c.error.empty()) {
      ASSERT_TRUE(std::holds_alternative<PushOptionsParsed>(*last)) << c.name;
      EXPECT_EQ(std::get<PushOptionsParsed>(*last).options, c.options) << c.name;
      EXPECT_TRUE(rest.empty()) << c.name;
    } else {
      ASSERT_TRUE(std::holds_alternative<UpdateInvalid>(*last)) << c.name;
      EXPECT_EQ(std::get<UpdateInvalid>(*last).reason, c.error) << c.name;
    }
  }
}

}  // namespace
}  // namespace gitgate::git::detail
