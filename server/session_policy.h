// What a session channel may ask for, and what the client is told when it asks for
// something else. Pure functions: the session channel (server/channel.cc) applies them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "proxyproto/reader.h"

namespace gitgate::server {

// Exit statuses sent as exit-status (git treats 128 as "fatal").
inline constexpr int kExitFatal = 128;
// A shell or subsystem request from an authenticated user: like GitHub, greet and fail.
inline constexpr int kExitNoShell = 1;
// A push that was answered but where some ref (or the pack) was refused: the access log's
// "1 push rejected" (docs/DESIGN.md, access log format). git's client exits non-zero for it
// on its own; the status it is sent changes nothing for it.
inline constexpr int kExitPushRejected = 1;

// How much of an untrusted string (a command, a subsystem name) is repeated in messages.
inline constexpr size_t kMaxShownBytes = 120;

// The protocol version GIT_PROTOCOL asks for (gitprotocol-v2, "Initial Client Request"):
//   GIT_PROTOCOL = param *( ":" param ) ; param = key [ "=" value ]
// Only "version" is looked at; like git's determine_protocol_version_server(), the
// highest recognized version wins and anything unrecognized means version 0.
[[nodiscard]] int parse_git_protocol(std::string_view value);

// The only environment variable a client may set is GIT_PROTOCOL.
[[nodiscard]] bool is_accepted_env(std::string_view name);

// Messages for the channel's stderr, each ending with a newline.
[[nodiscard]] std::string shell_refusal_message(std::string_view user_name);
[[nodiscard]] std::string subsystem_refusal_message(std::string_view subsystem);
[[nodiscard]] std::string command_refusal_message(std::string_view command);
// A message for a client that was given a terminal (a pty request, `ssh -tt`): its local
// terminal is in raw mode, so each "\n" becomes "\r\n", as a terminal's output processing
// (onlcr) would have made it.
[[nodiscard]] std::string for_terminal(std::string_view message);
// A user who may read the repository but not write it: "fatal: alice may not push to
// demo/repo.git" (the repository as resolved, without the leading '/').
[[nodiscard]] std::string push_refusal_message(std::string_view user_name,
                                               std::string_view repository);
// The same words whether the repository is missing or not readable, so that a
// client cannot probe which repositories exist.
[[nodiscard]] std::string repository_refusal_message(std::string_view requested_path);

// A refusal by the Git host's API: its message, as one line ("fatal: <message>"); the message
// is already one line without control characters (auth/host_api.h).
[[nodiscard]] std::string host_refusal_message(std::string_view message);
// The Git host's API could not answer (timeout, down, 5xx, ...): the user may try again.
inline constexpr std::string_view kHostUnreachableLine =
    "the Git host could not be reached; try again";
[[nodiscard]] std::string host_unreachable_message();

// "client=203.0.113.9 lb=10.0.0.5" (lb only behind a header that named a client): the end of a
// diagnostic line.
[[nodiscard]] std::string address_fields(const proxyproto::ConnectionInfo& info);

// The path as the access log shows it: with one leading '/'.
[[nodiscard]] std::string display_path(std::string_view requested_path);

}  // namespace gitgate::server
