#include "git/archive/archive_args.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/testing/pktline_builder.h"

namespace gitgate::git::detail {
namespace {

using gitgate::testing::PktBuilder;

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The request git's client writes (builtin/archive.c run_remote_archiver()).
std::string request_of(const std::vector<std::string>& arguments) {
  PktBuilder builder;
  for (const std::string& argument : arguments) {
    builder.line("argument " + argument);
  }
  return builder.flush().str();
}

struct PacketCase {
  std::string name;
  std::string input;
  std::vector<std::string> arguments;  // when it parses
  std::string error;                   // else a part of the reason
};

std::vector<PacketCase> packet_cases() {
  std::vector<std::string> many(kMaxArchiveArguments, "x");
  std::vector<std::string> too_many(kMaxArchiveArguments + 1, "x");
  return {
      {"none", "0000", {}, ""},
      {"git's", request_of({"--format=tar", "v1"}), {"--format=tar", "v1"}, ""},
      {"no LF", PktBuilder().data("argument v1").flush().str(), {"v1"}, ""},
      {"empty argument", PktBuilder().line("argument ").flush().str(), {""}, ""},
      {"spaces kept", request_of({"a b ", "c"}), {"a b ", "c"}, ""},
      {"one LF only", PktBuilder().data("argument v1\n\n").flush().str(), {"v1\n"}, ""},
      {"64 arguments", request_of(many), many, ""},
      {"65 arguments", request_of(too_many), {}, "too many arguments"},
      {"no keyword", PktBuilder().line("v1").flush().str(), {}, "'argument' token"},
      {"keyword without space", PktBuilder().line("argument").flush().str(), {}, "'argument'"},
      {"upper case", PktBuilder().line("ARGUMENT v1").flush().str(), {}, "'argument'"},
      {"delim", PktBuilder().line("argument v1").delim().flush().str(), {}, "'argument'"},
      {"empty packet", PktBuilder().data("").flush().str(), {}, "'argument'"},
      {"NUL", PktBuilder().data(std::string("argument v\0x", 12)).flush().str(), {}, "NUL"},
      {"bad length", "00zzargument v1", {}, ""},
  };
}

// Every split: need more until the flush is there, then the same answer whatever follows.
TEST(ArchiveArgumentPackets, EverySplit) {
  for (const PacketCase& c : packet_cases()) {
    const std::string input = c.input + "0009garbage";
    for (size_t cut = 0; cut < c.input.size(); ++cut) {
      const auto partial = parse_argument_packets(bytes(input).first(cut));
      if (c.error.empty() && c.name != "bad length") {
        EXPECT_TRUE(std::holds_alternative<ArgumentsNeedMore>(partial)) << c.name << " " << cut;
      } else if (!std::holds_alternative<ArgumentsNeedMore>(partial)) {
        ASSERT_TRUE(std::holds_alternative<ArgumentsInvalid>(partial)) << c.name << " " << cut;
      }
    }
    const auto result = parse_argument_packets(bytes(input));
    if (c.name == "bad length") {
      EXPECT_TRUE(std::holds_alternative<ArgumentsInvalid>(result));
    } else if (!c.error.empty()) {
      ASSERT_TRUE(std::holds_alternative<ArgumentsInvalid>(result)) << c.name;
      EXPECT_NE(std::get<ArgumentsInvalid>(result).reason.find(c.error), std::string::npos)
          << c.name << ": " << std::get<ArgumentsInvalid>(result).reason;
    } else {
      ASSERT_TRUE(std::holds_alternative<ArgumentsParsed>(result)) << c.name;
      EXPECT_EQ(std::get<ArgumentsParsed>(result).arguments, c.arguments) << c.name;
      EXPECT_EQ(std::get<ArgumentsParsed>(result).consumed, c.input.size()) << c.name;
    }
  }
}

struct ArgsCase {
  std::vector<std::string> arguments;
  std::optional<ArchiveArgs> expected;  // nullopt: refused
  std::string error;                    // a part of the reason when refused
};

ArchiveArgs args(std::string tree_ish, ArchiveFormat format = ArchiveFormat::kTar,
                 std::string format_name = "tar", std::string prefix = "", int level = -1,
                 std::vector<std::string> paths = {}) {
  ArchiveArgs a;
  a.tree_ish = std::move(tree_ish);
  a.format = format;
  a.format_name = std::move(format_name);
  a.prefix = std::move(prefix);
  a.compression_level = level;
  a.paths = std::move(paths);
  return a;
}

ArchiveArgs listing() {
  ArchiveArgs a;
  a.list = true;
  return a;
}

ArchiveArgs verbose(ArchiveArgs a) {
  a.verbose = true;
  return a;
}

void expect_same(const ArchiveArgs& got, const ArchiveArgs& want, const std::string& what) {
  EXPECT_EQ(got.format, want.format) << what;
  EXPECT_EQ(got.format_name, want.format_name) << what;
  EXPECT_EQ(got.prefix, want.prefix) << what;
  EXPECT_EQ(got.compression_level, want.compression_level) << what;
  EXPECT_EQ(got.list, want.list) << what;
  EXPECT_EQ(got.verbose, want.verbose) << what;
  EXPECT_EQ(got.tree_ish, want.tree_ish) << what;
  EXPECT_EQ(got.paths, want.paths) << what;
}

std::string joined(const std::vector<std::string>& arguments) {
  std::string out;
  for (const std::string& a : arguments) {
    out += "[" + a + "]";
  }
  return out;
}

using Kind = ArchiveFormat;

// What git's parse_archive_args(..., is_remote=1) accepts and refuses (archive.c), each
// case also sent as a request of argument packets, the way the client sends it.
std::vector<ArgsCase> args_cases() {
  return {
      {{"v1"}, args("v1"), ""},
      {{"--format=tar", "v1"}, args("v1"), ""},
      {{"--format", "zip", "v1"}, args("v1", Kind::kZip, "zip"), ""},
      {{"--format=tgz", "v1"}, args("v1", Kind::kTarGz, "tgz"), ""},
      {{"--format=tar.gz", "v1"}, args("v1", Kind::kTarGz, "tar.gz"), ""},
      {{"--format=zip", "--format=tar", "v1"}, args("v1"), ""},   // the last one counts
      {{"--form=zip", "v1"}, args("v1", Kind::kZip, "zip"), ""},  // abbreviated
      {{"--prefix=p/", "v1"}, args("v1", Kind::kTar, "tar", "p/"), ""},
      {{"--prefix", "p/", "v1"}, args("v1", Kind::kTar, "tar", "p/"), ""},
      {{"--prefix=p/", "--no-prefix", "v1"}, args("v1"), ""},
      {{"--prefix="}, std::nullopt, "usage"},
      {{"v1", "--prefix=p/"}, args("v1", Kind::kTar, "tar", "p/"), ""},  // options anywhere
      {{"v1", "a", "b/c"}, args("v1", Kind::kTar, "tar", "", -1, {"a", "b/c"}), ""},
      {{"--", "--v1", "-x"}, args("--v1", Kind::kTar, "tar", "", -1, {"-x"}), ""},
      {{"v1", "-"}, args("v1", Kind::kTar, "tar", "", -1, {"-"}), ""},
      {{"main:sub/dir"}, args("main:sub/dir"), ""},
      {{"--format=zip", "-9", "v1"}, args("v1", Kind::kZip, "zip", "", 9), ""},
      {{"--format=zip", "-0", "v1"}, args("v1", Kind::kZip, "zip", "", 0), ""},
      {{"--format=tgz", "-1", "v1"}, args("v1", Kind::kTarGz, "tgz", "", 1), ""},
      {{"--format=tgz", "-09", "v1"}, args("v1", Kind::kTarGz, "tgz", "", 9), ""},
      {{"-v", "v1"}, verbose(args("v1")), ""},
      {{"--verbose", "v1"}, verbose(args("v1")), ""},
      {{"-v", "--no-verbose", "v1"}, args("v1"), ""},
      {{"--format=zip", "-v9", "v1"}, verbose(args("v1", Kind::kZip, "zip", "", 9)), ""},
      {{"--worktree-attributes", "v1"}, args("v1"), ""},
      {{"--list"}, listing(), ""},
      {{"-l"}, listing(), ""},
      {{"--list", "v1"}, std::nullopt, "extra command line parameter 'v1'"},
      // What git refuses from a remote client.
      {{"--remote=x", "v1"}, std::nullopt, "Unexpected option --remote"},
      {{"--exec=sh", "v1"}, std::nullopt, "the option '--exec' requires '--remote'"},
      {{"--exec", "sh", "v1"}, std::nullopt, "'--exec' requires"},
      {{"--output=/tmp/x", "v1"}, std::nullopt, "Unexpected option --output"},
      {{"-o", "/tmp/x", "v1"}, std::nullopt, "Unexpected option --output"},
      {{"-o/tmp/x", "v1"}, std::nullopt, "Unexpected option --output"},
      {{"--add-file=/etc/passwd", "v1"}, std::nullopt, "'--add-file' and '--remote'"},
      {{"--add-virtual-file=a:b", "v1"}, std::nullopt, "'--add-file' and '--remote'"},
      {{"--mtime=@0", "v1"}, std::nullopt, "not supported by this server"},
      {{"--no-mtime", "v1"}, std::nullopt, "unknown option `no-mtime'"},
      {{"--format=tar", "-9", "v1"}, std::nullopt, "Argument not supported for format 'tar': -9"},
      {{"--format=zip", "-10", "v1"}, std::nullopt, "format 'zip': -10"},
      {{"--format=tgz", "-10", "v1"}, std::nullopt, "format 'tgz': -10"},
      {{"--format=zip", "-99999999999999999999", "v1"}, std::nullopt, "format 'zip'"},
      {{"--format=7z", "v1"}, std::nullopt, "Unknown archive format '7z'"},
      {{"--format=TAR", "v1"}, std::nullopt, "Unknown archive format"},
      {{"--format"}, std::nullopt, "option `format' requires a value"},
      {{"--verbose=1", "v1"}, std::nullopt, "option `verbose' takes no value"},
      {{"--no-format=tar", "v1"}, std::nullopt, "takes no value"},
      {{"--a=x", "v1"}, std::nullopt, "ambiguous option"},
      {{"--bogus", "v1"}, std::nullopt, "unknown option `bogus'"},
      {{"-x", "v1"}, std::nullopt, "unknown switch `x'"},
      {{"-o"}, std::nullopt, "switch `o' requires a value"},
      {{}, std::nullopt, "usage"},
      {{"--format=zip"}, std::nullopt, "usage"},
  };
}

TEST(ArchiveArgs, AsGitParsesARemoteRequest) {
  for (const ArgsCase& c : args_cases()) {
    const std::string what = joined(c.arguments);
    const auto result = parse_archive_args(c.arguments);
    if (c.expected) {
      ASSERT_TRUE(std::holds_alternative<ArchiveArgs>(result))
          << what << ": " << std::get<ArchiveArgsError>(result).reason;
      expect_same(std::get<ArchiveArgs>(result), *c.expected, what);
    } else {
      ASSERT_TRUE(std::holds_alternative<ArchiveArgsError>(result)) << what;
      EXPECT_NE(std::get<ArchiveArgsError>(result).reason.find(c.error), std::string::npos)
          << what << ": " << std::get<ArchiveArgsError>(result).reason;
    }
  }
}

// The same arguments through the wire: packets cut at every byte, then parsed.
TEST(ArchiveArgs, EverySplitOfTheRequest) {
  for (const ArgsCase& c : args_cases()) {
    const std::string input = request_of(c.arguments);
    for (size_t cut = 0; cut < input.size(); ++cut) {
      EXPECT_TRUE(std::holds_alternative<ArgumentsNeedMore>(
          parse_argument_packets(bytes(input).first(cut))))
          << joined(c.arguments) << " cut " << cut;
    }
    const auto packets = parse_argument_packets(bytes(input));
    ASSERT_TRUE(std::holds_alternative<ArgumentsParsed>(packets)) << joined(c.arguments);
    const auto result = parse_archive_args(std::get<ArgumentsParsed>(packets).arguments);
    EXPECT_EQ(std::holds_alternative<ArchiveArgs>(result), c.expected.has_value())
        << joined(c.arguments);
  }
}

TEST(ArchiveArgs, RemoteFormatsInGitsOrder) {
  const auto formats = remote_archive_formats();
  EXPECT_EQ(std::vector<std::string>(formats.begin(), formats.end()),
            (std::vector<std::string>{"tar", "tgz", "tar.gz", "zip"}));
}

}  // namespace
}  // namespace gitgate::git::detail
