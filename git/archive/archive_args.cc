// The request of git-upload-archive (builtin/upload-archive.c, cmd_upload_archive_writer):
//
//   request  = *64argument flush-pkt
//   argument = PKT-LINE("argument" SP arg [LF])
//
// and the arguments as archive.c parse_archive_args() reads them through parse-options.c:
// long options with "=" or the next argument as value, unambiguous abbreviations, "--no-"
// negation, bundled short options, "-<digits>" compression levels, "--" ending options,
// options and operands in any order. With is_remote set git refuses --remote, --exec,
// --output, --add-file and --add-virtual-file, and formats not marked ARCHIVER_REMOTE.
//
// Differences from git, on purpose:
// - --mtime is refused: git parses it with approxidate(), a grammar of its own; a client
//   that needs it can set the time locally (`tar --mtime`).
// - A delim or response-end packet, an empty packet and an argument with a NUL byte are
//   refused; git reads the first two as a flush and cuts the last at the NUL.
// - tgz compression levels above 9 are refused here; git passes them to zlib's
//   deflateInit2(), which refuses them, so the client sees an error either way.
#include "git/archive/archive_args.h"

#include <array>
#include <charconv>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "git/protocol/pktline.h"

namespace gitgate::git::detail {
namespace {

constexpr std::string_view kArgumentKeyword = "argument ";

enum class Takes : uint8_t { kValue, kNothing };

struct OptionSpec {
  std::string_view name;
  Takes takes;
  bool negatable;
};

// archive.c parse_archive_args() opts[], in its order.
constexpr std::array<OptionSpec, 11> kOptions{{
    {"format", Takes::kValue, true},
    {"prefix", Takes::kValue, true},
    {"add-file", Takes::kValue, true},
    {"add-virtual-file", Takes::kValue, true},
    {"output", Takes::kValue, true},
    {"worktree-attributes", Takes::kNothing, true},
    {"verbose", Takes::kNothing, true},
    {"mtime", Takes::kValue, false},  // PARSE_OPT_NONEG
    {"list", Takes::kNothing, true},
    {"remote", Takes::kValue, true},
    {"exec", Takes::kValue, true},
}};

constexpr std::array<std::string_view, 4> kRemoteFormats{"tar", "tgz", "tar.gz", "zip"};

// Everything parse-options saw; checked afterwards in parse_archive_args()'s order.
struct Seen {
  std::optional<std::string> format, prefix, output, remote, exec, mtime;
  bool extra_files = false;
  bool worktree_attributes = false, verbose = false, list = false;
  int compression_level = -1;
  std::vector<std::string> operands;
};

struct Match {
  const OptionSpec* option = nullptr;
  bool unset = false;
};

// parse-options.c parse_long_opt(): an exact name, else one unambiguous abbreviation
// of a name or of its "no-" form.
std::variant<Match, ArchiveArgsError> find_long(std::string_view name, std::string_view arg) {
  Match abbreviation;
  int abbreviations = 0;
  for (const OptionSpec& option : kOptions) {
    if (name == option.name) {
      return Match{&option, false};
    }
    if (option.negatable && name.starts_with("no-") && name.substr(3) == option.name) {
      return Match{&option, true};
    }
    if (option.name.starts_with(name)) {
      abbreviation = {&option, false};
      ++abbreviations;
    } else if (option.negatable && name.starts_with("no-") &&
               option.name.starts_with(name.substr(3))) {
      abbreviation = {&option, true};
      ++abbreviations;
    }
  }
  if (abbreviations > 1) {
    return ArchiveArgsError{"ambiguous option: " + std::string(name)};
  }
  if (abbreviations == 0) {
    return ArchiveArgsError{"unknown option `" + std::string(arg.substr(2)) + "'"};
  }
  return abbreviation;
}

void set_value(Seen& seen, std::string_view name, std::optional<std::string> value) {
  if (name == "format") {
    seen.format = std::move(value);
  } else if (name == "prefix") {
    seen.prefix = std::move(value);
  } else if (name == "output") {
    seen.output = std::move(value);
  } else if (name == "remote") {
    seen.remote = std::move(value);
  } else if (name == "exec") {
    seen.exec = std::move(value);
  } else if (name == "mtime") {
    seen.mtime = std::move(value);
  } else {  // add-file, add-virtual-file: "--no-add-file" clears the list
    seen.extra_files = value.has_value();
  }
}

void set_flag(Seen& seen, std::string_view name, bool value) {
  if (name == "verbose") {
    seen.verbose = value;
  } else if (name == "list") {
    seen.list = value;
  } else {
    seen.worktree_attributes = value;
  }
}

// One "--name[=value]" argument; may take the next argument as its value (advances i).
std::optional<ArchiveArgsError> parse_long(std::span<const std::string> args, size_t& i,
                                           Seen& seen) {
  const std::string_view arg = args[i];
  const size_t equals = arg.find('=');
  const std::string_view name =
      arg.substr(2, equals == std::string_view::npos ? arg.npos : equals - 2);
  auto found = find_long(name, arg);
  if (auto* error = std::get_if<ArchiveArgsError>(&found)) {
    return std::move(*error);
  }
  const Match match = std::get<Match>(found);
  const std::string shown =
      "option `" + std::string(match.unset ? "no-" : "") + std::string(match.option->name) + "'";
  if (match.unset || match.option->takes == Takes::kNothing) {
    if (equals != std::string_view::npos) {
      return ArchiveArgsError{shown + " takes no value"};
    }
    if (match.option->takes == Takes::kNothing) {
      set_flag(seen, match.option->name, !match.unset);
    } else {
      set_value(seen, match.option->name, std::nullopt);
    }
    return std::nullopt;
  }
  if (equals != std::string_view::npos) {
    set_value(seen, match.option->name, std::string(arg.substr(equals + 1)));
  } else if (i + 1 < args.size()) {
    set_value(seen, match.option->name, args[++i]);
  } else {
    return ArchiveArgsError{shown + " requires a value"};
  }
  return std::nullopt;
}

// OPT_NUMBER_CALLBACK: the digits from text's start; strtol() in git, saturated here.
int parse_level(std::string_view digits) {
  int level = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), level);
  if (error == std::errc::result_out_of_range) {
    return std::numeric_limits<int>::max();
  }
  return level;
}

// One "-xyz" argument: bundled -v, -l, -o<file> or -o <file>, -<digits>.
std::optional<ArchiveArgsError> parse_short(std::span<const std::string> args, size_t& i,
                                            Seen& seen) {
  const std::string_view arg = args[i];
  for (size_t at = 1; at < arg.size();) {
    const char c = arg[at];
    if (c >= '0' && c <= '9') {
      size_t end = at;
      while (end < arg.size() && arg[end] >= '0' && arg[end] <= '9') {
        ++end;
      }
      seen.compression_level = parse_level(arg.substr(at, end - at));
      at = end;
    } else if (c == 'v' || c == 'l') {
      set_flag(seen, c == 'v' ? "verbose" : "list", true);
      ++at;
    } else if (c == 'o') {
      if (at + 1 < arg.size()) {
        seen.output = std::string(arg.substr(at + 1));
      } else if (i + 1 < args.size()) {
        seen.output = args[++i];
      } else {
        return ArchiveArgsError{"switch `o' requires a value"};
      }
      return std::nullopt;
    } else {
      return ArchiveArgsError{"unknown switch `" + std::string(1, c) + "'"};
    }
  }
  return std::nullopt;
}

std::variant<Seen, ArchiveArgsError> parse_options(std::span<const std::string> args) {
  Seen seen;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    std::optional<ArchiveArgsError> error;
    if (arg == "--") {
      seen.operands.insert(seen.operands.end(), args.begin() + static_cast<ptrdiff_t>(i) + 1,
                           args.end());
      break;
    }
    if (arg.starts_with("--")) {
      error = parse_long(args, i, seen);
    } else if (arg.starts_with("-") && arg.size() > 1) {
      error = parse_short(args, i, seen);
    } else {
      seen.operands.emplace_back(arg);
    }
    if (error) {
      return std::move(*error);
    }
  }
  return seen;
}

std::optional<ArchiveFormat> remote_format(std::string_view name) {
  if (name == "tar") {
    return ArchiveFormat::kTar;
  }
  if (name == "tgz" || name == "tar.gz") {
    return ArchiveFormat::kTarGz;
  }
  if (name == "zip") {
    return ArchiveFormat::kZip;
  }
  return std::nullopt;
}

// archive-tar.c: tar takes no level; the gzip filters take any (ARCHIVER_HIGH_COMPRESSION_
// LEVELS) but zlib only 0..9. archive-zip.c: zip takes 0..9.
bool level_allowed(ArchiveFormat format, int level) {
  return format != ArchiveFormat::kTar && level <= 9;
}

}  // namespace

ArgumentsResult parse_argument_packets(std::span<const uint8_t> input) {
  ArgumentsParsed parsed;
  for (;;) {
    auto result = pktline::parse(input.subspan(parsed.consumed));
    if (std::holds_alternative<pktline::NeedMore>(result)) {
      return ArgumentsNeedMore{};
    }
    if (auto* invalid = std::get_if<pktline::Invalid>(&result)) {
      return ArgumentsInvalid{std::move(invalid->reason)};
    }
    const auto& packet = std::get<pktline::Packet>(result);
    parsed.consumed += packet.consumed;
    if (packet.kind == pktline::PacketKind::kFlush) {
      return parsed;
    }
    // upload-archive.c: "if (sent_argv.nr > MAX_ARGS) die(...)", checked per packet.
    if (parsed.arguments.size() >= kMaxArchiveArguments) {
      return ArgumentsInvalid{"too many arguments (more than " +
                              std::to_string(kMaxArchiveArguments) + ")"};
    }
    const std::string_view line = pktline::chomp(packet.payload);
    if (packet.kind != pktline::PacketKind::kData || !line.starts_with(kArgumentKeyword)) {
      return ArgumentsInvalid{"'argument' token or flush expected"};
    }
    const std::string_view argument = line.substr(kArgumentKeyword.size());
    if (argument.find('\0') != std::string_view::npos) {
      return ArgumentsInvalid{"argument contains a NUL byte"};
    }
    parsed.arguments.emplace_back(argument);
  }
}

std::span<const std::string_view> remote_archive_formats() { return kRemoteFormats; }

std::variant<ArchiveArgs, ArchiveArgsError> parse_archive_args(
    std::span<const std::string> arguments) {
  auto options = parse_options(arguments);
  if (auto* error = std::get_if<ArchiveArgsError>(&options)) {
    return std::move(*error);
  }
  Seen& seen = std::get<Seen>(options);
  if (seen.remote) {
    return ArchiveArgsError{"Unexpected option --remote"};
  }
  if (seen.exec) {
    return ArchiveArgsError{"the option '--exec' requires '--remote'"};
  }
  if (seen.output) {
    return ArchiveArgsError{"Unexpected option --output"};
  }
  if (seen.extra_files) {
    return ArchiveArgsError{"options '--add-file' and '--remote' cannot be used together"};
  }
  if (seen.mtime) {
    return ArchiveArgsError{"option `mtime' is not supported by this server"};
  }
  ArchiveArgs args;
  args.verbose = seen.verbose;
  args.prefix = seen.prefix.value_or("");
  if (seen.list) {
    if (!seen.operands.empty()) {
      return ArchiveArgsError{"extra command line parameter '" + seen.operands.front() + "'"};
    }
    args.list = true;
    return args;
  }
  args.format_name = seen.format.value_or("tar");
  if (seen.operands.empty()) {
    return ArchiveArgsError{"usage: git archive [<options>] <tree-ish> [<path>...]"};
  }
  const auto format = remote_format(args.format_name);
  if (!format) {
    return ArchiveArgsError{"Unknown archive format '" + args.format_name + "'"};
  }
  args.format = *format;
  if (seen.compression_level != -1) {
    if (!level_allowed(args.format, seen.compression_level)) {
      return ArchiveArgsError{"Argument not supported for format '" + args.format_name + "': -" +
                              std::to_string(seen.compression_level)};
    }
    args.compression_level = seen.compression_level;
  }
  args.tree_ish = seen.operands.front();
  args.paths.assign(seen.operands.begin() + 1, seen.operands.end());
  return args;
}

}  // namespace gitgate::git::detail
