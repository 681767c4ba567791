#include "git/receive/commands.h"

#include <algorithm>
#include <array>

#include "git/pack/oid.h"

namespace gitgate::git::detail {
namespace {

constexpr std::string_view kShallowPrefix = "shallow ";
// A quoted line is cut here: the reason is one line for the client's terminal.
constexpr size_t kMaxQuoted = 100;

// line as it may be shown in a one-line reason: control bytes (a NUL, an LF, an escape
// sequence) become '?' and a long line is cut.
std::string quoted(std::string_view line) {
  std::string out(line.substr(0, kMaxQuoted));
  std::replace_if(
      out.begin(), out.end(),
      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; }, '?');
  if (line.size() > kMaxQuoted) {
    out += "...";
  }
  return out;
}

std::string_view text(std::span<const uint8_t> payload) {
  return {reinterpret_cast<const char*>(payload.data()), payload.size()};
}

// The words of the capability list, space separated; unknown words are ignored, as git's
// receive-pack looks only for the names it knows (parse_feature_request).
std::optional<std::string> parse_capabilities(std::string_view list, PushCapabilities& out) {
  struct Flag {
    std::string_view name;
    bool PushCapabilities::*member;
  };
  static constexpr std::array<Flag, 8> kFlags = {
      {{"report-status", &PushCapabilities::report_status},
       {"report-status-v2", &PushCapabilities::report_status_v2},
       {"delete-refs", &PushCapabilities::delete_refs},
       {"side-band-64k", &PushCapabilities::side_band_64k},
       {"quiet", &PushCapabilities::quiet},
       {"atomic", &PushCapabilities::atomic},
       {"ofs-delta", &PushCapabilities::ofs_delta},
       {"push-options", &PushCapabilities::push_options}}};
  while (!list.empty()) {
    const size_t end = std::min(list.find(' '), list.size());
    const std::string_view word = list.substr(0, end);
    list.remove_prefix(std::min(end + 1, list.size()));
    for (const Flag& flag : kFlags) {
      if (word == flag.name) {
        out.*flag.member = true;
      }
    }
    if (word.starts_with("agent=")) {
      out.agent = std::string(word.substr(6));
    } else if (word.starts_with("object-format=") && word.substr(14) != "sha1") {
      // git: "unsupported object format '%s'"; our repositories are all sha1.
      return "unsupported object format '" + quoted(word.substr(14)) + "'";
    } else if (word.starts_with("push-cert=")) {
      return std::string("protocol error: push-cert is not supported");
    }
  }
  return std::nullopt;
}

// "old-oid SP new-oid SP name", the name non-empty.
std::optional<RefCommand> parse_command(std::string_view line) {
  constexpr size_t kHex = GIT_OID_HEXSZ;
  RefCommand command;
  if (line.size() < 2 * kHex + 3 || line[kHex] != ' ' || line[2 * kHex + 1] != ' ' ||
      !parse_oid(line.substr(0, kHex), command.old_id) ||
      !parse_oid(line.substr(kHex + 1, kHex), command.new_id)) {
    return std::nullopt;
  }
  command.ref = std::string(line.substr(2 * kHex + 2));
  return command;
}

std::string limit_reason(std::string_view what, size_t limit, std::string_view key) {
  return std::string(what) + " (limit " + std::to_string(limit) + ", " + std::string(key) + ")";
}

}  // namespace

bool is_create(const RefCommand& command) { return git_oid_is_zero(&command.old_id) != 0; }
bool is_delete(const RefCommand& command) { return git_oid_is_zero(&command.new_id) != 0; }

UpdateRequestParser::UpdateRequestParser(const PushSettings& limits) : limits_(limits) {}

UpdateParseResult UpdateRequestParser::feed(const pktline::Packet& packet) {
  if (spent_) {
    return UpdateInvalid{"protocol error: update request already parsed"};
  }
  spent_ = true;  // until the end of this packet shows it needs more
  if (packet.consumed > limits_.max_command_list_bytes - bytes_) {
    return UpdateInvalid{limit_reason("command list too long", limits_.max_command_list_bytes,
                                      "max_command_list_bytes")};
  }
  bytes_ += packet.consumed;
  switch (packet.kind) {
    case pktline::PacketKind::kFlush:
      if (!seen_command_) {
        return UpdateEmpty{};
      }
      return UpdateParsed{std::move(request_)};
    case pktline::PacketKind::kDelim:
    case pktline::PacketKind::kResponseEnd:
      return UpdateInvalid{"protocol error: unexpected special packet in the command list"};
    case pktline::PacketKind::kData:
      break;
  }
  std::string_view line = text(packet.payload);
  // The first command carries the capabilities after a NUL (git reads the command up to
  // the NUL with strlen and the features after it).
  std::string_view capabilities;
  bool has_capabilities = false;
  if (const size_t nul = line.find('\0'); nul != std::string_view::npos) {
    capabilities = line.substr(nul + 1);
    line = line.substr(0, nul);
    has_capabilities = true;
  }
  if (line.ends_with('\n')) {
    line.remove_suffix(1);
  }
  if (capabilities.ends_with('\n')) {
    capabilities.remove_suffix(1);
  }
  if (line.starts_with(kShallowPrefix) && !seen_command_ && !has_capabilities) {
    git_oid id;
    if (!parse_oid(line.substr(kShallowPrefix.size()), id)) {
      // git quotes what follows "shallow ".
      return UpdateInvalid{"protocol error: expected shallow sha, got '" +
                           quoted(line.substr(kShallowPrefix.size())) + "'"};
    }
    request_.shallow.push_back(id);
    spent_ = false;
    return UpdateNeedMore{};
  }
  if (line == "push-cert") {
    return UpdateInvalid{"protocol error: push-cert is not supported"};
  }
  if (has_capabilities) {
    if (seen_command_) {
      return UpdateInvalid{"protocol error: capabilities after the first command"};
    }
    if (auto error = parse_capabilities(capabilities, request_.capabilities)) {
      return UpdateInvalid{*error};
    }
  }
  auto command = parse_command(line);
  if (!command) {
    return UpdateInvalid{"protocol error: expected old/new/ref, got '" + quoted(line) + "'"};
  }
  if (request_.commands.size() >= limits_.max_commands) {
    return UpdateInvalid{
        limit_reason("too many ref update commands", limits_.max_commands, "max_commands")};
  }
  request_.commands.push_back(std::move(*command));
  seen_command_ = true;
  spent_ = false;
  return UpdateNeedMore{};
}

PushOptionsParser::PushOptionsParser(const PushSettings& limits) : limits_(limits) {}

PushOptionsParseResult PushOptionsParser::feed(const pktline::Packet& packet) {
  if (spent_) {
    return UpdateInvalid{"protocol error: push options already parsed"};
  }
  spent_ = true;
  switch (packet.kind) {
    case pktline::PacketKind::kFlush:
      return PushOptionsParsed{std::move(options_)};
    case pktline::PacketKind::kDelim:
    case pktline::PacketKind::kResponseEnd:
      return UpdateInvalid{"protocol error: unexpected special packet in the push options"};
    case pktline::PacketKind::kData:
      break;
  }
  const std::string_view option = pktline::chomp(packet.payload);
  if (options_.size() >= limits_.max_push_options) {
    return UpdateInvalid{
        limit_reason("too many push options", limits_.max_push_options, "max_push_options")};
  }
  if (option.size() > limits_.max_push_option_bytes) {
    return UpdateInvalid{limit_reason("push option too long", limits_.max_push_option_bytes,
                                      "max_push_option_bytes")};
  }
  if (option.find_first_of(std::string_view("\0\n", 2)) != std::string_view::npos) {
    return UpdateInvalid{"protocol error: push option with a NUL or LF: '" + quoted(option) + "'"};
  }
  options_.emplace_back(option);
  spent_ = false;
  return UpdateNeedMore{};
}

UpdateOverBytes parse_update_request(std::span<const uint8_t> input, const PushSettings& limits) {
  UpdateRequestParser parser(limits);
  size_t offset = 0;
  for (;;) {
    const auto parsed = pktline::parse(input.subspan(offset));
    if (std::holds_alternative<pktline::NeedMore>(parsed)) {
      return {UpdateNeedMore{}, 0};
    }
    if (const auto* invalid = std::get_if<pktline::Invalid>(&parsed)) {
      return {UpdateInvalid{"protocol error: " + invalid->reason}, 0};
    }
    const auto& packet = std::get<pktline::Packet>(parsed);
    offset += packet.consumed;
    auto result = parser.feed(packet);
    if (!std::holds_alternative<UpdateNeedMore>(result)) {
      const bool done = std::holds_alternative<UpdateParsed>(result) ||
                        std::holds_alternative<UpdateEmpty>(result);
      return {std::move(result), done ? offset : 0};
    }
  }
}

}  // namespace gitgate::git::detail
