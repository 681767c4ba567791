#include "auth/detail/host_api_reply.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "auth/detail/user_name.h"

namespace gitgate::auth::detail {
namespace {

using Json = nlohmann::json;

constexpr long kStatusOk = 200;
constexpr long kStatusNotFound = 404;
constexpr long kStatusUnauthorized = 401;
constexpr long kStatusForbidden = 403;
constexpr long kStatusServerErrorFirst = 500;
constexpr long kStatusServerErrorLast = 599;

ApiFailure failure(ApiFailure::Kind kind, std::string detail) {
  return ApiFailure{kind, std::move(detail)};
}

ApiFailure malformed(std::string_view what) {
  return failure(ApiFailure::Kind::kMalformed, std::string(what));
}

// What every call makes of a status other than the ones its contract answers with.
ApiFailure status_failure(long status) {
  if (status == kStatusUnauthorized || status == kStatusForbidden) {
    return failure(ApiFailure::Kind::kUnauthorized,
                   fmt::format("HTTP {} (is api_token_file the host's token?)", status));
  }
  if (status >= kStatusServerErrorFirst && status <= kStatusServerErrorLast) {
    return failure(ApiFailure::Kind::kServerError, fmt::format("HTTP {}", status));
  }
  return failure(ApiFailure::Kind::kUnexpected, fmt::format("unexpected HTTP {}", status));
}

// The body as a JSON object, or why not. No exceptions: parse errors come back as a
// discarded value (nlohmann::json::parse with allow_exceptions = false).
std::optional<Json> object_of(std::string_view body) {
  Json parsed = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return std::nullopt;
  }
  return parsed;
}

std::string dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Length of the well-formed UTF-8 sequence at the start of text (1 to 4), or 0 for a byte
// that starts none (a stray continuation byte, 0xF8-0xFF, a sequence cut short).
size_t sequence_length(std::string_view text) {
  constexpr unsigned char kContinuationMask = 0xC0;
  constexpr unsigned char kContinuation = 0x80;
  const auto lead = static_cast<unsigned char>(text[0]);
  size_t length = 0;
  if (lead < kContinuation) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
  } else {
    return 0;
  }
  if (text.size() < length) {
    return 0;
  }
  for (size_t i = 1; i < length; ++i) {
    if ((static_cast<unsigned char>(text[i]) & kContinuationMask) != kContinuation) {
      return 0;
    }
  }
  return length;
}

}  // namespace

std::pair<std::string, std::string> parse_token_file(std::string_view text) {
  constexpr size_t kMaxTokenBytes = 4096;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  if (text.empty()) {
    return {{}, "the token file is empty"};
  }
  if (text.size() > kMaxTokenBytes) {
    return {{}, fmt::format("the token is longer than {} bytes", kMaxTokenBytes)};
  }
  const size_t padding = text.size() - (text.find_last_not_of('=') + 1);
  const std::string_view body = text.substr(0, text.size() - padding);
  const auto token_char = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
  };
  if (body.empty() || !std::all_of(body.begin(), body.end(), token_char)) {
    return {{},
            "the token must be one line of A-Z a-z 0-9 - . _ ~ + / (then '=' padding), "
            "RFC 6750's b64token"};
  }
  return {std::string(text), {}};
}

bool append_reply_chunk(std::string& body, std::string_view chunk) {
  if (chunk.size() > kMaxReplyBytes - body.size()) {
    return false;
  }
  body.append(chunk);
  return true;
}

std::string key_request(const KeyQuery& query) {
  return dump(Json{{"fingerprint", query.fingerprint},
                   {"key", query.key},
                   {"client_address", query.client_address}});
}

std::string principal_request(const PrincipalQuery& query) {
  return dump(Json{{"principal", query.principal},
                   {"key_id", query.key_id},
                   {"client_address", query.client_address}});
}

std::string allowed_request(const AccessQuery& query) {
  return dump(Json{{"user_id", query.user_id},
                   {"user_name", query.user_name},
                   {"repository", query.repository},
                   {"action", action_name(query.action)},
                   {"client_address", query.client_address}});
}

KeyLookup parse_key_reply(long status, std::string_view body) {
  if (status == kStatusNotFound) {
    return UnknownKey{};
  }
  if (status != kStatusOk) {
    return status_failure(status);
  }
  const std::optional<Json> reply = object_of(body);
  if (!reply) {
    return malformed("the body is not a JSON object");
  }
  const auto user = reply->find("user");
  if (user == reply->end() || !user->is_object()) {
    return malformed("'user' is missing or not an object");
  }
  const auto name = user->find("name");
  if (name == user->end() || !name->is_string()) {
    return malformed("'user.name' is missing or not a string");
  }
  const auto id = user->find("id");
  // A JSON number with a fraction or exponent is not an id, even when it is whole.
  if (id == user->end() || !id->is_number_integer()) {
    return malformed("'user.id' is missing or not an integer");
  }
  if (id->is_number_unsigned() ? id->get<uint64_t>() > uint64_t{INT64_MAX}
                               : id->get<int64_t>() < 0) {
    return malformed("'user.id' is not within 0-9223372036854775807");
  }
  ApiUser found{name->get<std::string>(), id->get<int64_t>()};
  if (std::string problem = name_problem(found.name); !problem.empty()) {
    // The name is the host's bytes: quoted only through the escaping of the diagnostic.
    return malformed("'user.name': " + problem);
  }
  return found;
}

AccessReply parse_allowed_reply(long status, std::string_view body) {
  if (status != kStatusOk) {
    return status_failure(status);
  }
  const std::optional<Json> reply = object_of(body);
  if (!reply) {
    return malformed("the body is not a JSON object");
  }
  const auto allowed = reply->find("allowed");
  if (allowed == reply->end() || !allowed->is_boolean()) {
    return malformed("'allowed' is missing or not true or false");
  }
  if (allowed->get<bool>()) {
    return Allowed{};
  }
  const auto message = reply->find("message");
  if (message == reply->end() || message->is_null()) {
    return Refused{};
  }
  if (!message->is_string()) {
    return malformed("'message' is not a string");
  }
  return Refused{one_line(message->get_ref<const std::string&>())};
}

std::string one_line(std::string_view text) {
  constexpr unsigned char kSpace = 0x20;
  constexpr unsigned char kDelete = 0x7F;
  constexpr unsigned char kC1Lead = 0xC2;  // U+0080-U+009F are C2 80-C2 9F
  constexpr unsigned char kC1Last = 0x9F;
  std::string out;
  out.reserve(std::min(text.size(), kMaxMessageBytes + 3));
  for (size_t i = 0; i < text.size();) {
    const std::string_view rest = text.substr(i);
    const auto lead = static_cast<unsigned char>(rest[0]);
    const size_t length = sequence_length(rest);
    const bool c1 =
        length == 2 && lead == kC1Lead && static_cast<unsigned char>(rest[1]) <= kC1Last;
    const bool control = length == 1 && (lead < kSpace || lead == kDelete);
    // Not UTF-8 (the JSON parser lets none through; this function takes any bytes): '?'.
    const std::string_view shown =
        length == 0 ? "?" : (c1 || control ? " " : rest.substr(0, length));
    if (out.size() + shown.size() > kMaxMessageBytes) {
      out += "...";
      break;
    }
    out += shown;
    i += std::max<size_t>(length, 1);
  }
  const size_t first = out.find_first_not_of(' ');
  if (first == std::string::npos) {
    return {};
  }
  return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

}  // namespace gitgate::auth::detail
