#include "git/protocol/v2_request.h"

#include <array>

#include "git/protocol/negotiation.h"
#include "git/protocol/pktline.h"

namespace gitgate::git::detail {
namespace {

struct CommandName {
  std::string_view name;
  V2Command command;
};
constexpr std::array<CommandName, 3> kCommands = {{{"ls-refs", V2Command::kLsRefs},
                                                   {"fetch", V2Command::kFetch},
                                                   {"object-info", V2Command::kObjectInfo}}};

// Capabilities a client may send with a command: the non-command ones we advertise.
bool known_capability(std::string_view line, std::string& error) {
  const std::string_view key = line.substr(0, line.find('='));
  const bool has_value = key.size() < line.size();
  if (key == "agent" || key == "server-option") {
    return true;
  }
  if (key == "object-format") {
    if (!has_value) {
      error = "object-format capability requires an argument";
    } else if (line.substr(key.size() + 1) != "sha1") {
      error = "mismatched object format: server sha1; client " +
              std::string(line.substr(key.size() + 1));
    }
    return error.empty();
  }
  error = "unknown capability '" + std::string(line) + "'";
  return false;
}

// One step of the header part (before the delim): a command or a capability.
std::optional<std::string> on_header_line(std::string_view line, std::optional<V2Command>& command,
                                          V2Request& request) {
  if (line.starts_with("command=")) {
    const std::string_view name = line.substr(8);
    if (command) {
      return "command '" + std::string(name) + "' requested after already requesting command";
    }
    for (const CommandName& c : kCommands) {
      if (c.name == name) {
        command = c.command;
        return std::nullopt;
      }
    }
    return "invalid command '" + std::string(name) + "'";
  }
  std::string error;
  if (!known_capability(line, error)) {
    return error;
  }
  if (request.capabilities.size() < kMaxKeptCapabilities) {
    request.capabilities.emplace_back(line);
  }
  return std::nullopt;
}

bool parse_oid_after(std::string_view line, std::string_view prefix, git_oid& out) {
  return line.starts_with(prefix) && parse_oid(line.substr(prefix.size()), out);
}

// The boolean fetch arguments.
bool on_fetch_flag(std::string_view line, FetchArgs& out) {
  struct Flag {
    std::string_view name;
    bool FetchArgs::*member;
  };
  static constexpr std::array<Flag, 6> kFlags = {{{"thin-pack", &FetchArgs::thin_pack},
                                                  {"ofs-delta", &FetchArgs::ofs_delta},
                                                  {"no-progress", &FetchArgs::no_progress},
                                                  {"include-tag", &FetchArgs::include_tag},
                                                  {"done", &FetchArgs::done},
                                                  {"wait-for-done", &FetchArgs::wait_for_done}}};
  for (const Flag& flag : kFlags) {
    if (line == flag.name) {
      out.*flag.member = true;
      return true;
    }
  }
  return false;
}

std::optional<std::string> on_fetch_line(std::string_view line, FetchArgs& out) {
  git_oid id;
  if (line.starts_with("want ")) {
    if (!parse_oid_after(line, "want ", id)) {
      return "protocol error, expected to get object ID, not '" + std::string(line) + "'";
    }
    out.wants.push_back(id);
  } else if (line.starts_with("want-ref ")) {
    out.want_refs.emplace_back(line.substr(9));
  } else if (line.starts_with("have ")) {
    if (!parse_oid_after(line, "have ", id)) {
      return "protocol error, expected to get object ID, not '" + std::string(line) + "'";
    }
    out.haves.push_back(id);
  } else if (line.starts_with("filter ")) {
    if (out.filter) {
      return "multiple filter-specs cannot be combined";
    }
    out.filter = std::string(line.substr(7));
  } else if (!on_fetch_flag(line, out)) {
    const auto shallow = parse_shallow_line(line, out.shallow);
    if (const auto* error = std::get_if<ShallowLineError>(&shallow)) {
      return error->reason;
    }
    if (std::get<LineUse>(shallow) == LineUse::kNotMine) {
      return "unexpected line: '" + std::string(line) + "'";
    }
  }
  return std::nullopt;
}

}  // namespace

V2ParseResult V2RequestParser::feed(const pktline::Packet& packet) {
  if (auto error = meter_.add_bytes(packet.consumed)) {
    return V2Invalid{*error};
  }
  switch (packet.kind) {
    case pktline::PacketKind::kResponseEnd:
      return V2Invalid{"unexpected response end packet"};
    case pktline::PacketKind::kDelim:
      return on_delim();
    case pktline::PacketKind::kFlush:
      return on_flush();
    case pktline::PacketKind::kData:
      break;
  }
  seen_anything_ = true;
  const std::string_view line = pktline::chomp(packet.payload);
  auto error = in_arguments_ ? on_argument(line) : on_header_line(line, command_, request_);
  if (error) {
    return V2Invalid{*error};
  }
  return V2NeedMore{};
}

V2ParseResult V2RequestParser::on_delim() {
  if (in_arguments_) {
    return V2Invalid{"expected flush after arguments"};
  }
  if (!command_) {  // git's serve.c stops at the delim and finds no command
    return V2Invalid{"no command requested"};
  }
  in_arguments_ = true;
  request_.command = *command_;
  switch (*command_) {
    case V2Command::kLsRefs:
      request_.args.emplace<LsRefsArgs>();
      break;
    case V2Command::kFetch:
      request_.args.emplace<FetchArgs>();
      break;
    case V2Command::kObjectInfo:
      request_.args.emplace<ObjectInfoArgs>();
      break;
  }
  return V2NeedMore{};
}

std::optional<std::string> V2RequestParser::on_argument(std::string_view line) {
  if (auto* ls_refs = std::get_if<LsRefsArgs>(&request_.args)) {
    return parse_ls_refs_arg(line, limits_, *ls_refs);
  }
  if (auto* fetch = std::get_if<FetchArgs>(&request_.args)) {
    if (auto error = meter_.add_line(line)) {
      return error;
    }
    return parse_fetch_arg(line, *fetch);
  }
  return parse_object_info_arg(line, std::get<ObjectInfoArgs>(request_.args));
}

V2ParseResult V2RequestParser::on_flush() {
  if (!seen_anything_) {
    return V2EndOfSession{pktline::kHeaderSize};
  }
  if (!command_) {
    return V2Invalid{"no command requested"};
  }
  if (!in_arguments_) {
    on_delim();  // no arguments: the command's defaults
  }
  std::optional<std::string> error;
  if (auto* ls_refs = std::get_if<LsRefsArgs>(&request_.args)) {
    error = finish_ls_refs_args(limits_, *ls_refs);
  } else if (auto* fetch = std::get_if<FetchArgs>(&request_.args)) {
    error = finish_fetch_args(*fetch);
  }
  if (error) {
    return V2Invalid{*error};
  }
  return V2Parsed{std::move(request_), 0};
}

V2ParseResult parse_v2_request(std::span<const uint8_t> input, const RequestLimits& limits) {
  V2RequestParser parser(limits);
  size_t offset = 0;
  for (;;) {
    const auto parsed = pktline::parse(input.subspan(offset));
    if (std::holds_alternative<pktline::NeedMore>(parsed)) {
      return V2NeedMore{};
    }
    if (const auto* invalid = std::get_if<pktline::Invalid>(&parsed)) {
      return V2Invalid{invalid->reason};
    }
    const auto& packet = std::get<pktline::Packet>(parsed);
    offset += packet.consumed;
    auto result = parser.feed(packet);
    if (auto* done = std::get_if<V2Parsed>(&result)) {
      done->consumed = offset;
    }
    if (!std::holds_alternative<V2NeedMore>(result)) {
      return result;
    }
  }
}

std::optional<std::string> parse_ls_refs_arg(std::string_view line, const RequestLimits& limits,
                                             LsRefsArgs& out) {
  if (line == "symrefs") {
    out.symrefs = true;
  } else if (line == "peel") {
    out.peel = true;
  } else if (line == "unborn") {
    out.unborn = true;
  } else if (line.starts_with("ref-prefix ")) {
    // As git's ls-refs: past the limit, prefixes are no longer kept; finish drops them all.
    if (++out.prefixes_sent <= limits.max_ref_prefixes) {
      out.prefixes.emplace_back(line.substr(11));
    }
  } else {
    return "unexpected line: '" + std::string(line) + "'";
  }
  return std::nullopt;
}

std::optional<std::string> finish_ls_refs_args(const RequestLimits& limits, LsRefsArgs& out) {
  if (out.prefixes_sent > limits.max_ref_prefixes) {
    out.prefixes.clear();  // too many to be worth matching: every ref, as git
    out.prefixes.shrink_to_fit();
  }
  return std::nullopt;
}

std::optional<std::string> parse_fetch_arg(std::string_view line, FetchArgs& out) {
  return on_fetch_line(line, out);
}

std::optional<std::string> finish_fetch_args(FetchArgs& out) {
  if (auto error = check_shallow_request(out.shallow)) {
    return error;
  }
  remove_duplicates(out.wants);
  remove_duplicates(out.haves);
  return std::nullopt;
}

std::optional<std::string> parse_object_info_arg(std::string_view line, ObjectInfoArgs& out) {
  git_oid id;
  if (line == "size") {
    out.size = true;
  } else if (parse_oid_after(line, "oid ", id)) {
    out.ids.push_back(id);
  } else {
    return "object-info: unexpected line: '" + std::string(line) + "'";
  }
  return std::nullopt;
}

std::variant<LsRefsArgs, std::string> parse_ls_refs_args(const std::vector<std::string>& args,
                                                         const RequestLimits& limits) {
  LsRefsArgs out;
  for (const std::string& line : args) {
    if (auto error = parse_ls_refs_arg(line, limits, out)) {
      return *error;
    }
  }
  finish_ls_refs_args(limits, out);
  return out;
}

std::variant<FetchArgs, std::string> parse_fetch_args(const std::vector<std::string>& args) {
  FetchArgs out;
  for (const std::string& line : args) {
    if (auto error = parse_fetch_arg(line, out)) {
      return *error;
    }
  }
  if (auto error = finish_fetch_args(out)) {
    return *error;
  }
  return out;
}

std::variant<ObjectInfoArgs, std::string> parse_object_info_args(
    const std::vector<std::string>& args) {
  ObjectInfoArgs out;
  for (const std::string& line : args) {
    if (auto error = parse_object_info_arg(line, out)) {
      return *error;
    }
  }
  return out;
}

}  // namespace gitgate::git::detail
