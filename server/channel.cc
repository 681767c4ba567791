#include "server/channel.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <utility>

#include "logging/diagnostics.h"
#include "server/session_policy.h"

namespace gitgate::server {
namespace {

// A request whose client neither sends nor accepts data for this long is abandoned.
constexpr std::chrono::minutes kRequestIdleTimeout{10};

}  // namespace

SessionChannel::SessionChannel(ssh_channel channel) : channel_(channel) {
  callbacks_.userdata = this;
  callbacks_.channel_pty_request_function = on_pty;
  callbacks_.channel_shell_request_function = on_shell;
  callbacks_.channel_exec_request_function = on_exec;
  callbacks_.channel_env_request_function = on_env;
  callbacks_.channel_subsystem_request_function = on_subsystem;
  ssh_callbacks_init(&callbacks_);
  ssh_set_channel_callbacks(channel_, &callbacks_);
}

bool SessionChannel::closed_by_client() const { return ssh_channel_is_closed(channel_) != 0; }

void SessionChannel::free() {
  ssh_channel_free(channel_);
  channel_ = nullptr;
}

// Granted, though no terminal is ever opened: OpenSSH's client treats a refused pty as fatal
// when one was asked for explicitly (`ssh -tt`, RequestTTY=yes: clientloop.c,
// client_status_confirm) and drops the connection with exit status 255 before the shell
// request, so the user would never read why. Granted, the shell request that follows is
// refused as with `ssh -T`: the greeting, exit status 1. An exec after it runs as without.
int SessionChannel::on_pty(ssh_session /*session*/, ssh_channel channel, const char* /*term*/,
                           int /*width*/, int /*height*/, int /*pxwidth*/, int /*pxheight*/,
                           void* self) {
  auto* session_channel = static_cast<SessionChannel*>(self);
  if (channel != session_channel->channel_ || session_channel->work_ != Work::kNone ||
      session_channel->busy_) {
    return 1;
  }
  session_channel->pty_ = true;
  return 0;
}

int SessionChannel::on_shell(ssh_session /*session*/, ssh_channel channel, void* self) {
  return static_cast<SessionChannel*>(self)->accept(channel, Work::kShell, "");
}

int SessionChannel::on_exec(ssh_session /*session*/, ssh_channel channel, const char* command,
                            void* self) {
  return static_cast<SessionChannel*>(self)->accept(channel, Work::kExec, command);
}

int SessionChannel::on_subsystem(ssh_session /*session*/, ssh_channel channel, const char* name,
                                 void* self) {
  return static_cast<SessionChannel*>(self)->accept(channel, Work::kSubsystem, name);
}

int SessionChannel::on_env(ssh_session /*session*/, ssh_channel channel, const char* name,
                           const char* value, void* self) {
  auto* session_channel = static_cast<SessionChannel*>(self);
  if (channel != session_channel->channel_ || name == nullptr || !is_accepted_env(name)) {
    return 1;
  }
  session_channel->protocol_version_ = parse_git_protocol(value != nullptr ? value : "");
  return 0;
}

// 0 accepts the request (libssh replies success), anything else refuses it.
int SessionChannel::accept(ssh_channel channel, Work work, const char* argument) {
  if (channel != channel_ || work_ != Work::kNone || busy_) {
    return 1;  // one request per channel
  }
  work_ = work;
  argument_ = argument != nullptr ? argument : "";
  return 0;
}

int SessionChannel::run(ServerContext& context, SessionFacts facts,
                        std::function<bool()> client_alive) {
  busy_ = true;
  facts.protocol_version = protocol_version_;
  SshChannelStream stream(channel_, kRequestIdleTimeout);
  if (client_alive) {
    stream.set_liveness_check(std::move(client_alive));
  }
  int exit_status = kExitFatal;
  try {
    exit_status = run_work(context, facts, stream);
  } catch (const std::exception& error) {
    spdlog::error("[session {}] internal error: {}; request ended user={} {}", facts.session_id,
                  logging::printable(error.what()), facts.user->identity.name,
                  address_fields(*facts.connection));
    stream.write_stderr("fatal: internal server error\n");
  }
  return exit_status;
}

int SessionChannel::run_work(ServerContext& context, const SessionFacts& facts,
                             SshChannelStream& stream) {
  const std::string& user_name = facts.user->identity.name;
  switch (work_) {
    case Work::kExec:
      return run_exec_request(context, facts, argument_, stream);
    case Work::kShell:
      spdlog::info("[session {}] shell refused: user={}{} {}", facts.session_id, user_name,
                   pty_ ? " (pty requested)" : "", address_fields(*facts.connection));
      stream.write_stderr(to_client(shell_refusal_message(user_name)));
      return kExitNoShell;
    case Work::kSubsystem:
      spdlog::info("[session {}] subsystem refused: {} user={} {}", facts.session_id,
                   logging::printable(argument_), user_name, address_fields(*facts.connection));
      stream.write_stderr(to_client(subsystem_refusal_message(argument_)));
      return kExitNoShell;
    case Work::kNone:
      break;
  }
  return kExitFatal;
}

std::string SessionChannel::to_client(const std::string& message) const {
  return pty_ ? for_terminal(message) : message;
}

// The channel is freed for real once the client's CLOSE arrives; the connection's event
// loop keeps reading until then.
void SessionChannel::finish(int exit_status) {
  ssh_channel_request_send_exit_status(channel_, exit_status);
  ssh_channel_send_eof(channel_);
  ssh_channel_close(channel_);
  ssh_channel_free(channel_);
  channel_ = nullptr;
  work_ = Work::kNone;
  argument_.clear();
  busy_ = false;
  pty_ = false;
}

}  // namespace gitgate::server
