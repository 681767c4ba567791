// Feeds arbitrary bytes to the protocol v2 request parser (which parses the arguments of
// ls-refs, fetch and object-info as they arrive), with the default limits or small ones,
// and every filter-spec a fetch carries; checks that a parsed request consumed no more
// than it was given or the byte limit allows, parses the same again, and holds no more
// lines of each kind than its limit.
#include <string>

#include "git/protocol/v2_request.h"
#include "git/select/object_filter.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace detail = gitgate::git::detail;

using gitgate::fuzz::check;

// Small limits, so that the fuzzer reaches every one of them.
gitgate::git::RequestLimits small_limits() {
  gitgate::git::RequestLimits limits;
  limits.max_request_bytes = 4096;
  limits.max_wants = 3;
  limits.max_haves = 3;
  limits.max_shallow = 2;
  limits.max_deepen_not = 2;
  limits.max_ref_prefixes = 2;
  return limits;
}

void check_arguments(const detail::V2Request& request, const gitgate::git::RequestLimits& limits) {
  if (const auto* fetch = std::get_if<detail::FetchArgs>(&request.args)) {
    check(fetch->wants.size() + fetch->want_refs.size() <= limits.max_wants);
    check(fetch->haves.size() <= limits.max_haves);
    check(fetch->shallow.client_shallows.size() <= limits.max_shallow);
    check(fetch->shallow.not_refs.size() <= limits.max_deepen_not);
    if (fetch->filter) {
      detail::parse_filter(*fetch->filter);
    }
  } else if (const auto* ls_refs = std::get_if<detail::LsRefsArgs>(&request.args)) {
    check(ls_refs->prefixes.size() <= limits.max_ref_prefixes);
  }
}

// The requests of one connection, one after another, under limits.
void parse_connection(std::span<const uint8_t> input, const gitgate::git::RequestLimits& limits) {
  for (int i = 0; i < 8 && !input.empty(); ++i) {
    const auto result = detail::parse_v2_request(input, limits);
    size_t consumed = 0;
    if (const auto* parsed = std::get_if<detail::V2Parsed>(&result)) {
      consumed = parsed->consumed;
      check(consumed > 0 && consumed <= input.size());
      check(consumed <= limits.max_request_bytes);
      const auto again = detail::parse_v2_request(input.first(consumed), limits);
      check(std::holds_alternative<detail::V2Parsed>(again));
      check_arguments(parsed->request, limits);
    } else if (const auto* end = std::get_if<detail::V2EndOfSession>(&result)) {
      consumed = end->consumed;
      check(consumed == 4);
    } else {
      break;
    }
    input = input.subspan(consumed);
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  parse_connection(input, gitgate::git::RequestLimits{});
  parse_connection(input, small_limits());  // limits that small inputs reach
  return 0;
}
