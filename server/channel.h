// The channel layer: one SSH session channel and the requests a client sends on it
// (env, pty, exec, shell, subsystem), under one rule: one request per channel (a pty is
// granted before it, and changes only how a refusal is written). libssh's
// callbacks only record the request; the connection's event loop runs it (run), so a
// request never runs inside a libssh callback, and the connection ends it (finish).
#pragma once

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include <cstdint>
#include <functional>
#include <string>

#include "server/context.h"
#include "server/git_request.h"

namespace gitgate::server {

class SessionChannel {
 public:
  // Answers the requests on channel, a session channel libssh has just opened. The
  // libssh channel is freed by finish() or free(), or else with its session.
  explicit SessionChannel(ssh_channel channel);
  SessionChannel(const SessionChannel&) = delete;
  SessionChannel& operator=(const SessionChannel&) = delete;
  ~SessionChannel() = default;

  // A request was accepted and waits to run.
  [[nodiscard]] bool has_request() const { return work_ != Work::kNone; }
  [[nodiscard]] bool closed_by_client() const;
  // Frees the libssh channel of a channel the client closed.
  void free();

  // Runs the waiting request to its end and returns the exit status to send. facts are
  // the session's; the protocol version is this channel's (its GIT_PROTOCOL). client_alive,
  // when set, is asked between the stream's reads and writes.
  [[nodiscard]] int run(ServerContext& context, SessionFacts facts,
                        std::function<bool()> client_alive);
  // exit-status, EOF, CLOSE: always all three, so the client learns how the request
  // ended even when it failed. Frees the libssh channel.
  void finish(int exit_status);

 private:
  // What the client asked the channel to do.
  enum class Work : uint8_t { kNone, kExec, kShell, kSubsystem };

  // libssh calls back from C: nothing may be thrown through its frames.
  static int on_pty(ssh_session session, ssh_channel channel, const char* term, int width,
                    int height, int pxwidth, int pxheight, void* self);
  static int on_shell(ssh_session session, ssh_channel channel, void* self);
  static int on_exec(ssh_session session, ssh_channel channel, const char* command, void* self);
  static int on_subsystem(ssh_session session, ssh_channel channel, const char* name, void* self);
  static int on_env(ssh_session session, ssh_channel channel, const char* name, const char* value,
                    void* self);

  int accept(ssh_channel channel, Work work, const char* argument);
  int run_work(ServerContext& context, const SessionFacts& facts, SshChannelStream& stream);
  // A refusal message as the client's terminal needs it, when it asked for one.
  [[nodiscard]] std::string to_client(const std::string& message) const;

  ssh_channel channel_;
  ssh_channel_callbacks_struct callbacks_{};
  int protocol_version_ = 0;
  Work work_ = Work::kNone;
  std::string argument_;
  bool busy_ = false;
  bool pty_ = false;  // a pty was granted (never opened): messages end lines with "\r\n"
};

}  // namespace gitgate::server
