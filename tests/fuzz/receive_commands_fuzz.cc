// Feeds arbitrary bytes to receive-pack's update request parser and, after it (or from
// the start), to the push options parser, with the default limits and small ones; checks
// that a parsed request consumed no more than it was given, parses the same again, holds
// no more commands than its limit and no empty ref name, and that parsed push options
// keep their limits and carry no NUL or LF. Every ref name goes through
// check_pushed_ref_name too.
#include <string>

#include "git/protocol/pktline.h"
#include "git/receive/commands.h"
#include "git/receive/ref_name.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace detail = gitgate::git::detail;
namespace pktline = gitgate::git::pktline;

using gitgate::fuzz::check;

// Small limits, so that the fuzzer reaches every one of them.
gitgate::git::PushSettings small_limits() {
  gitgate::git::PushSettings limits;
  limits.max_commands = 3;
  limits.max_command_list_bytes = 512;
  limits.max_push_options = 3;
  limits.max_push_option_bytes = 16;
  return limits;
}

void check_request(const detail::UpdateRequest& request, const gitgate::git::PushSettings& limits) {
  check(request.commands.size() <= limits.max_commands);
  check(!request.commands.empty());
  for (const detail::RefCommand& command : request.commands) {
    check(!command.ref.empty());
    check(command.ref.find('\0') == std::string::npos);
    const auto verdict = detail::check_pushed_ref_name(command.ref);
    check(!verdict || *verdict == "funny refname");
    // What may be created or updated may be deleted.
    check(verdict || !detail::check_pushed_ref_name(command.ref, true));
  }
}

void parse_push_options(std::span<const uint8_t> input, const gitgate::git::PushSettings& limits) {
  detail::PushOptionsParser parser(limits);
  while (!input.empty()) {
    const auto parsed = pktline::parse(input);
    const auto* packet = std::get_if<pktline::Packet>(&parsed);
    if (packet == nullptr) {
      return;
    }
    input = input.subspan(packet->consumed);
    const auto result = parser.feed(*packet);
    if (const auto* options = std::get_if<detail::PushOptionsParsed>(&result)) {
      check(options->options.size() <= limits.max_push_options);
      for (const std::string& option : options->options) {
        check(option.size() <= limits.max_push_option_bytes);
        check(option.find_first_of(std::string_view("\0\n", 2)) == std::string::npos);
      }
    }
    if (!std::holds_alternative<detail::UpdateNeedMore>(result)) {
      check(std::holds_alternative<detail::UpdateInvalid>(parser.feed(*packet)));  // spent
      return;
    }
  }
}

void parse_push(std::span<const uint8_t> input, const gitgate::git::PushSettings& limits) {
  const auto over = detail::parse_update_request(input, limits);
  if (const auto* parsed = std::get_if<detail::UpdateParsed>(&over.result)) {
    check(over.consumed > 0 && over.consumed <= input.size());
    check(over.consumed <= limits.max_command_list_bytes);
    const auto again = detail::parse_update_request(input.first(over.consumed), limits);
    check(std::holds_alternative<detail::UpdateParsed>(again.result));
    check(again.consumed == over.consumed);
    check_request(parsed->request, limits);
  } else if (std::holds_alternative<detail::UpdateEmpty>(over.result)) {
    check(over.consumed >= 4 && over.consumed <= input.size());
  } else if (const auto* invalid = std::get_if<detail::UpdateInvalid>(&over.result)) {
    check(!invalid->reason.empty());
    check(invalid->reason.find('\n') == std::string::npos);  // one line for the client
  }
  parse_push_options(input.subspan(over.consumed), limits);
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  parse_push(input, gitgate::git::PushSettings{});
  parse_push(input, small_limits());  // limits that small inputs reach
  return 0;
}
