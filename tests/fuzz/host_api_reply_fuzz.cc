// The host API's replies (auth/detail/host_api_reply.h) over arbitrary bytes: never crashes,
// and what it accepts keeps the contract's promises: a user name by the users file's rules, an
// id >= 0, a refusal message that is one short line without control characters, and a
// failure that says why. The first byte picks the call and the HTTP status.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/detail/host_api_reply.h"
#include "auth/detail/user_name.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using gitgate::fuzz::check;
namespace auth = gitgate::auth;

constexpr std::array<long, 6> kStatuses{200, 200, 404, 401, 500, 302};

void check_failure(const auth::ApiFailure& failure) {
  check(!failure.detail.empty() && !failure.describe().empty());
}

void check_message(std::string_view message) {
  check(message.size() <= auth::detail::kMaxMessageBytes + 3);
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    check(byte >= 0x20 && byte != 0x7f);
  }
  check(message.empty() || (message.front() != ' ' && message.back() != ' '));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const long status = kStatuses[(data[0] >> 1) % kStatuses.size()];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) == 0) {
    const auth::KeyLookup lookup = auth::detail::parse_key_reply(status, body);
    if (const auto* user = std::get_if<auth::ApiUser>(&lookup)) {
      check(status == 200 && user->id >= 0 && auth::detail::name_problem(user->name).empty());
    } else if (const auto* failure = std::get_if<auth::ApiFailure>(&lookup)) {
      check_failure(*failure);
    } else {
      check(status == 404);
    }
  } else {
    const auth::AccessReply reply = auth::detail::parse_allowed_reply(status, body);
    if (const auto* refused = std::get_if<auth::Refused>(&reply)) {
      check(status == 200);
      check_message(refused->message);
    } else if (const auto* failure = std::get_if<auth::ApiFailure>(&reply)) {
      check_failure(*failure);
    } else {
      check(status == 200);
    }
  }
  check_message(auth::detail::one_line(body));  // any bytes, not only the parser's UTF-8
  return 0;
}
