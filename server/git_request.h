// One exec request on an authenticated session: the command is parsed, the repository
// resolved and checked against the user's permissions (auth::decide_access: the users file's
// globs, or the Git host's POST /ssh/allowed), the git service run over the
// channel, and the request written to the access log (i-line before, o-line after).
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "auth/session_user.h"
#include "git/repo_path.h"
#include "proxyproto/reader.h"
#include "server/context.h"
#include "server/ssh_channel_stream.h"

namespace gitgate::server {

// What a request knows about the session it runs in.
struct SessionFacts {
  const proxyproto::ConnectionInfo* connection = nullptr;
  std::string client_banner;  // "SSH-2.0-OpenSSH_9.2p1"
  std::string session_id;
  const auth::SessionUser* user = nullptr;  // who logged in, from which source
  int protocol_version = 0;                 // from GIT_PROTOCOL
  // The settings the connection was accepted under: [limits] request, [push].
  const Config* settings = nullptr;
};

// The repository path of the access log's action field: as resolved ("/demo/repo.git",
// canonical), or for a path that did not resolve the client's, normalized and capped.
[[nodiscard]] std::string logged_repository_path(
    const std::variant<git::ResolvedRepository, git::RepoPathError>& resolved,
    std::string_view requested);

// Runs the exec request `command` to completion over stream and returns the exit status
// to send. Refusals write their message to the channel's stderr.
[[nodiscard]] int run_exec_request(ServerContext& context, const SessionFacts& facts,
                                   std::string_view command, SshChannelStream& stream);

}  // namespace gitgate::server
