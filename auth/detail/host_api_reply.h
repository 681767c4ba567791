// The host API's bodies (auth/host_api.h): the requests gitgate sends, and the replies it
// accepts, from status and body bytes to a value. Pure functions: the transport collects
// the body (append_reply_chunk) and hands it over whole.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "auth/host_api.h"

namespace gitgate::auth::detail {

// Checked while the body arrives, before it is buffered: every reply of the contract is a
// few hundred bytes.
inline constexpr size_t kMaxReplyBytes = 64 * 1024;
// The longest refusal message shown to a client; a longer one is cut and ends with "...".
inline constexpr size_t kMaxMessageBytes = 512;

// The bearer token in api_token_file: the file's text without the line end, which must be a
// b64token (RFC 6750, 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
// *"="), so that it cannot break the header line it is sent in. The token, or (second) why not.
[[nodiscard]] std::pair<std::string, std::string> parse_token_file(std::string_view text);

// Appends chunk to body; false (body unchanged) when that would pass kMaxReplyBytes.
[[nodiscard]] bool append_reply_chunk(std::string& body, std::string_view chunk);

// The request bodies, compact JSON. Bytes that are not UTF-8 (a repository directory's
// name may hold any) are replaced with U+FFFD rather than refused.
[[nodiscard]] std::string key_request(const KeyQuery& query);
[[nodiscard]] std::string principal_request(const PrincipalQuery& query);
[[nodiscard]] std::string allowed_request(const AccessQuery& query);

// POST /ssh/key (both forms):
//   200 {"user": {"name": <string>, "id": <integer >= 0>}}  -> ApiUser
//   404 (any body)                                           -> UnknownKey
// POST /ssh/allowed:
//   200 {"allowed": true}                                    -> Allowed
//   200 {"allowed": false[, "message": <string>]}            -> Refused
// Members the contract does not name are ignored, so that the host may add some. Every
// other status or body is an ApiFailure: 401/403 kUnauthorized, 5xx kServerError, other
// statuses kUnexpected, a 200 body that is not the object above kMalformed (its detail says
// which member is wrong). A user name must follow the users file's rules (auth/users.h).
[[nodiscard]] KeyLookup parse_key_reply(long status, std::string_view body);
[[nodiscard]] AccessReply parse_allowed_reply(long status, std::string_view body);

// The host's message as one line for a terminal: control characters (C0, DEL, C1) become
// spaces, spaces at either end go, and a message over kMaxMessageBytes is cut at a character
// boundary and ends with "...". Bytes that are not UTF-8 become '?' (the JSON parser lets
// none through; the function takes any bytes all the same).
[[nodiscard]] std::string one_line(std::string_view text);

}  // namespace gitgate::auth::detail
