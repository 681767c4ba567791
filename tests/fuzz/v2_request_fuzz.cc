// Feeds arbitrary bytes to the protocol v2 request parser and the argument parsers of
// ls-refs, fetch and object-info, and every filter-spec a fetch carries; checks that
// a parsed request consumed no more than it was given and parses the same again.
#include <string>

#include "git/detail/object_filter.h"
#include "git/detail/v2_request.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace detail = gitgate::git::detail;

using gitgate::fuzz::check;

void parse_arguments(const detail::V2Request& request) {
  detail::parse_ls_refs_args(request.arguments);
  detail::parse_object_info_args(request.arguments);
  const auto fetch = detail::parse_fetch_args(request.arguments);
  if (const auto* args = std::get_if<detail::FetchArgs>(&fetch); args && args->filter) {
    detail::parse_filter(*args->filter);
  }
  for (const std::string& line : request.arguments) {
    if (line.starts_with("filter ")) {
      detail::parse_filter(std::string_view(line).substr(7));
    }
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  // A connection carries several requests: parse them one after another.
  for (int i = 0; i < 8 && !input.empty(); ++i) {
    const auto result = detail::parse_v2_request(input);
    size_t consumed = 0;
    if (const auto* parsed = std::get_if<detail::V2Parsed>(&result)) {
      consumed = parsed->consumed;
      check(consumed > 0 && consumed <= input.size());
      const auto again = detail::parse_v2_request(input.first(consumed));
      check(std::holds_alternative<detail::V2Parsed>(again));
      parse_arguments(parsed->request);
    } else if (const auto* end = std::get_if<detail::V2EndOfSession>(&result)) {
      consumed = end->consumed;
      check(consumed == 4);
    } else {
      break;
    }
    input = input.subspan(consumed);
  }
  return 0;
}
