#include "server/connection.h"

#include <fmt/format.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "auth/key_blob.h"
#include "auth/session_user.h"
#include "auth/users.h"
#include "logging/access_log.h"
#include "logging/diagnostics.h"
#include "proxyproto/reader.h"
#include "server/admission.h"
#include "server/channel.h"
#include "server/detail/ssh_messages.h"
#include "server/git_request.h"
#include "server/keepalive.h"
#include "server/key_login.h"
#include "server/server_metrics.h"
#include "server/session_policy.h"

namespace gitgate::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How often the event loop wakes up to look at deadlines and the stop flag.
constexpr int kPollSliceMs = 200;
// After authentication and after each request: the time the client has to open the
// next channel or to close the connection. Closing is where data dies (docs/DESIGN.md):
// the session keeps reading until the client hangs up, for at most this long.
constexpr std::chrono::seconds kIdleAfterRequest{10};
constexpr long kBlockingTimeoutSeconds = 600;

class Connection {
 public:
  Connection(ServerContext& context, std::shared_ptr<const Config> settings,
             proxyproto::ConnectionInfo info, AdmissionTicket ticket,
             SteadyClock::time_point login_deadline)
      : context_(context),
        settings_(std::move(settings)),
        info_(std::move(info)),
        ticket_(std::move(ticket)),
        session_id_(logging::new_session_id()),
        login_deadline_(login_deadline),
        login_(context.users, &context.certificates, context.host_api.get(), info_.client,
               login_deadline) {
    server_callbacks_.userdata = this;
    server_callbacks_.auth_pubkey_function = on_auth_pubkey;
    server_callbacks_.channel_open_request_session_function = on_channel_open;
    ssh_callbacks_init(&server_callbacks_);
  }

  ~Connection() {
    alive_.reset();  // its packet counter lives in the session until then
    if (event_ != nullptr) {
      ssh_event_remove_session(event_, session_);
      ssh_event_free(event_);
    }
    ticket_.forget_socket();  // before the descriptor is closed and can be reused
    if (session_ != nullptr) {
      ssh_disconnect(session_);
      ssh_free(session_);  // frees the channels and closes the socket
    }
  }

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void run(int fd) {
    if (!start(fd) || !handshake()) {
      return;
    }
    event_loop();
  }

 private:
  bool start(int fd);
  bool handshake();
  void event_loop();
  bool idle_step(SteadyClock::time_point now);
  bool still_authorized();
  void log_before_login(spdlog::level::level_enum level, std::string_view what,
                        std::string_view detail);
  bool client_alive();
  void run_request();
  int authenticate(const char* user, ssh_key key, char signature_state);
  void tell_host_down();
  void count_failure(const char* user, const KeyRefused& refused);

  // libssh calls back from C: nothing may be thrown through its frames.
  static int on_auth_pubkey(ssh_session /*session*/, const char* user, ssh_key key,
                            char signature_state, void* self) {
    auto* connection = static_cast<Connection*>(self);
    try {
      return connection->authenticate(user, key, signature_state);
    } catch (const std::exception& error) {
      spdlog::error("[session {}] internal error during authentication: {} {}",
                    connection->session_id_, error.what(), address_fields(connection->info_));
      return SSH_AUTH_DENIED;
    }
  }
  static ssh_channel on_channel_open(ssh_session session, void* self);
  static int on_message(ssh_session session, ssh_message message, void* self);

  ServerContext& context_;
  const std::shared_ptr<const Config> settings_;  // as at accept, to the end (a SIGHUP's are not)
  const proxyproto::ConnectionInfo info_;
  AdmissionTicket ticket_;
  const std::string session_id_;
  const SteadyClock::time_point login_deadline_;
  SteadyClock::time_point idle_deadline_{};
  SteadyClock::time_point linger_until_{};

  ssh_session session_ = nullptr;
  ssh_event event_ = nullptr;
  ssh_server_callbacks_struct server_callbacks_{};

  // Who logged in, from which source, and the key it was proven with (a users-file user's key
  // is looked up again when SIGHUP replaces the users).
  std::optional<auth::SessionUser> user_;
  std::vector<uint8_t> user_key_;
  std::string user_key_text_;
  // A certificate login: the trust snapshot it was checked with; null for a plain key.
  std::shared_ptr<const auth::CertificateTrust> trust_;
  int failed_attempts_ = 0;
  // The users file, then the host's API: one question to the host per key offered.
  KeyLogin login_;
  // [limits] keepalive_seconds, from authentication on.
  std::optional<ClientAlive> alive_;

  // The one session channel at a time; freed with the session when still open at the end.
  std::unique_ptr<SessionChannel> channel_;
};

bool Connection::start(int fd) {
  session_ = ssh_new();
  if (session_ == nullptr) {
    ticket_.forget_socket();
    close(fd);
    return false;
  }
  int accepted = 0;
  {
    const std::lock_guard lock(context_.bind_mu);
    accepted = ssh_bind_accept_fd(context_.bind, session_, fd);
  }
  if (accepted != SSH_OK) {
    spdlog::error("[session {}] cannot start an SSH session: {} {}", session_id_,
                  ssh_get_error(context_.bind), address_fields(info_));
    if (ssh_get_fd(session_) != fd) {
      ticket_.forget_socket();
      close(fd);
    }
    return false;
  }
  ssh_set_auth_methods(session_, SSH_AUTH_METHOD_PUBLICKEY);
  ssh_set_server_callbacks(session_, &server_callbacks_);
  ssh_set_message_callback(session_, on_message, this);
  return true;
}

// What ends a connection before login comes in floods: at most so many lines a second
// (server/refusal_log.h).
void Connection::log_before_login(spdlog::level::level_enum level, std::string_view what,
                                  std::string_view detail) {
  if (!spdlog::should_log(level)) {
    return;
  }
  const std::string line =
      fmt::format("[session {}] {}: {} {}", session_id_, what, detail, address_fields(info_));
  if (auto shown =
          context_.refusals.admit(what, source_key(info_.client), line, SteadyClock::now())) {
    spdlog::log(level, "{}", *shown);
  }
}

bool Connection::handshake() {
  // The key exchange is part of the login grace time.
  const auto remaining =
      std::chrono::ceil<std::chrono::seconds>(login_deadline_ - SteadyClock::now());
  long timeout = std::max<long>(1, static_cast<long>(remaining.count()));
  ssh_options_set(session_, SSH_OPTIONS_TIMEOUT, &timeout);
  if (ssh_handle_key_exchange(session_) != SSH_OK) {
    if (SteadyClock::now() >= login_deadline_) {
      log_before_login(
          spdlog::level::warn, "login grace time exceeded",
          fmt::format("no SSH handshake after {} s", settings_->limits.login_grace_seconds));
    } else {
      // A balancer's health check (a PROXY LOCAL header, then a close once it has
      // seen our banner) ends here every few seconds: not worth an info line each.
      const bool health_check =
          info_.header.has_value() && info_.header->command == proxyproto::Command::kLocal;
      const std::string error = ssh_get_error(session_);
      log_before_login(health_check ? spdlog::level::debug : spdlog::level::info,
                       "SSH handshake failed",
                       error.empty() ? "connection closed" : logging::printable(error));
    }
    return false;
  }
  timeout = kBlockingTimeoutSeconds;
  ssh_options_set(session_, SSH_OPTIONS_TIMEOUT, &timeout);
  event_ = ssh_event_new();
  return event_ != nullptr && ssh_event_add_session(event_, session_) == SSH_OK;
}

void Connection::event_loop() {
  const int max_tries = settings_->limits.max_auth_tries;
  for (;;) {
    if (ssh_event_dopoll(event_, kPollSliceMs) == SSH_ERROR || ssh_is_connected(session_) == 0 ||
        (ssh_get_status(session_) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0) {
      return;  // the client hung up (or broke the protocol)
    }
    const auto now = SteadyClock::now();
    if (!user_) {
      if (failed_attempts_ >= max_tries) {
        spdlog::warn("[session {}] authentication failed: too many attempts ({}) {}", session_id_,
                     failed_attempts_, address_fields(info_));
        ssh_session_set_disconnect_message(session_, "Too many authentication failures");
        return;
      }
      if (now >= login_deadline_) {
        log_before_login(
            spdlog::level::warn, "login grace time exceeded",
            fmt::format("not authenticated after {} s", settings_->limits.login_grace_seconds));
        return;
      }
      if (context_.stopping.load()) {
        return;
      }
      continue;
    }
    if (!client_alive() || !idle_step(now)) {
      return;
    }
  }
}

// One turn of the loop of an authenticated session: run a request that arrived, drop a
// channel the client closed, and decide whether the session is over.
bool Connection::idle_step(SteadyClock::time_point now) {
  if (!still_authorized()) {
    return false;
  }
  if (channel_ != nullptr && channel_->has_request()) {
    run_request();
    idle_deadline_ = SteadyClock::now() + kIdleAfterRequest;
    linger_until_ = idle_deadline_;
    return true;
  }
  if (channel_ != nullptr && channel_->closed_by_client()) {
    channel_->free();
    channel_.reset();
    idle_deadline_ = now + kIdleAfterRequest;
  }
  // Stopping ends an idle session at once, but not one whose client is still reading
  // the end of a request.
  if (context_.stopping.load() && channel_ == nullptr && now >= linger_until_) {
    return false;
  }
  return now < idle_deadline_;
}

// SIGHUP may have replaced the users. A session whose key no longer names the same user
// is closed (before its next request: a request already running ends first); one whose
// user is still there goes on with the new permissions; a certificate revoked or expired by
// now closes it too (still_names()).
bool Connection::still_authorized() {
  std::shared_ptr<const auth::UserDb> current = context_.users.get();
  std::shared_ptr<const auth::CertificateTrust> trust = context_.certificates.get();
  const bool from_file = user_->source == auth::SessionUser::Source::kUsersFile;
  if ((!from_file || current == user_->users || current == nullptr) && trust == trust_) {
    return true;
  }
  if (!still_names(*user_, user_key_, std::move(current), trust.get(), info_.client)) {
    spdlog::warn(
        "[session {}] closing: {} of {} (id {}) is no longer authorized after the "
        "users or certificate files were reloaded {}",
        session_id_, user_key_text_, user_->identity.name, user_->identity.id,
        address_fields(info_));
    ssh_session_set_disconnect_message(session_, "Key revoked");
    return false;
  }
  trust_ = std::move(trust);
  return true;
}

// Keepalive probes go on while a request runs: its stream checks between reads and
// writes, and a write waiting for the client's window returns every keepalive interval
// (the session timeout) to let it.
void Connection::run_request() {
  const bool keepalive = alive_ && alive_->enabled();
  std::function<bool()> liveness;
  if (keepalive) {
    liveness = [this] { return client_alive(); };
    long timeout = static_cast<long>(alive_->interval().count());
    ssh_options_set(session_, SSH_OPTIONS_TIMEOUT, &timeout);
  }
  const char* banner = ssh_get_clientbanner(session_);
  const int exit_status =
      channel_->run(context_,
                    SessionFacts{.connection = &info_,
                                 .client_banner = banner != nullptr ? banner : "",
                                 .session_id = session_id_,
                                 .user = &*user_,
                                 .settings = settings_.get()},
                    std::move(liveness));
  if (keepalive) {
    long timeout = kBlockingTimeoutSeconds;
    ssh_options_set(session_, SSH_OPTIONS_TIMEOUT, &timeout);
  }
  channel_->finish(exit_status);
  channel_.reset();
}

// ClientAliveInterval/ClientAliveCountMax: false once the client left the probes
// unanswered; logged once, with the addresses, like every other close.
bool Connection::client_alive() {
  if (!alive_) {
    return true;
  }
  const bool already_gone = alive_->gave_up();
  if (alive_->check()) {
    return true;
  }
  if (!already_gone) {
    spdlog::warn(
        "[session {}] client not responding: {} keepalive probes unanswered, {} s apart; "
        "closing user={} {}",
        session_id_, ClientAlive::kMaxMissed, alive_->interval().count(),
        user_ ? user_->identity.name : "-", address_fields(info_));
    ssh_session_set_disconnect_message(session_, "Timeout, client not responding");
  }
  return false;
}

// Runs on this connection's own thread (server.cc starts one per connection), so a slow host
// API holds up this login only; the call ends by api_timeout_ms, and never later than the
// login grace deadline, which the event loop enforces as before.
int Connection::authenticate(const char* user, ssh_key key, char signature_state) {
  if (user_) {
    return SSH_AUTH_DENIED;  // already authenticated; no second identity
  }
  const std::optional<std::vector<uint8_t>> blob = detail::key_blob(key);
  if (!blob) {
    count_failure(user, KeyRefused{"unreadable key", "unreadable key", "-"});
    return SSH_AUTH_DENIED;
  }
  auto found =
      login_.find(*blob, ssh_key_type_to_char(ssh_key_type(key)), user != nullptr ? user : "");
  if (login_.take_host_down_notice()) {
    tell_host_down();
  }
  if (auto* refused = std::get_if<KeyRefused>(&found)) {
    count_failure(user, *refused);
    return SSH_AUTH_DENIED;
  }
  auto& key_found = std::get<KeyFound>(found);
  if (signature_state == SSH_PUBLICKEY_STATE_NONE) {
    return SSH_AUTH_SUCCESS;  // the probe: "this key would do", nothing bound yet
  }
  if (signature_state != SSH_PUBLICKEY_STATE_VALID) {
    count_failure(user, KeyRefused{"bad signature", "bad signature", key_found.key_text});
    return SSH_AUTH_DENIED;
  }
  user_ = std::move(key_found.user);
  user_key_ = *blob;
  user_key_text_ = std::move(key_found.key_text);
  trust_ = std::move(key_found.trust);
  ticket_.mark_authenticated();
  server_metrics().auth_attempt("success");
  alive_.emplace(session_, std::chrono::seconds(settings_->limits.keepalive_seconds));
  idle_deadline_ = SteadyClock::now() + kIdleAfterRequest;
  spdlog::info("[session {}] authenticated {} (id {}{}) with {} {}", session_id_,
               user_->identity.name, user_->identity.id,
               user_->source == auth::SessionUser::Source::kHostApi ? ", from the host API" : "",
               user_key_text_, address_fields(info_));
  return SSH_AUTH_SUCCESS;
}

// RFC 4252, 5.4: a banner may come any time before authentication succeeds; OpenSSH shows
// it unless its LogLevel is below INFO. The login goes on: a later key may be in the file.
void Connection::tell_host_down() {
  const std::string banner = std::string(kHostUnreachableLine) + "\r\n";
  ssh_string text = ssh_string_from_char(banner.c_str());
  if (text != nullptr) {
    ssh_send_issue_banner(session_, text);
    ssh_string_free(text);
  }
}

void Connection::count_failure(const char* user, const KeyRefused& refused) {
  ++failed_attempts_;
  server_metrics().auth_attempt(refused.result);
  spdlog::warn("[session {}] authentication failed: {} {} user={} {}", session_id_, refused.why,
               refused.detail, logging::printable(user != nullptr ? user : ""),
               address_fields(info_));
}

ssh_channel Connection::on_channel_open(ssh_session session, void* self) {
  auto* connection = static_cast<Connection*>(self);
  if (!connection->user_ || connection->channel_ != nullptr ||
      connection->context_.stopping.load()) {
    return nullptr;  // one session channel at a time
  }
  ssh_channel channel = ssh_channel_new(session);
  if (channel == nullptr) {
    return nullptr;
  }
  connection->channel_ = std::make_unique<SessionChannel>(channel);
  return channel;
}

// Everything the callbacks above do not handle ends here: refused with libssh's default
// reply; forwarding attempts are logged so that an audit sees them.
int Connection::on_message(ssh_session /*session*/, ssh_message message, void* self) {
  auto* connection = static_cast<Connection*>(self);
  if (std::string refused = detail::describe_refused(message); !refused.empty()) {
    spdlog::info("[session {}] refused {} user={} {}", connection->session_id_, refused,
                 connection->user_ ? connection->user_->identity.name : "-",
                 address_fields(connection->info_));
  }
  return 1;
}

}  // namespace

void run_connection(ServerContext& context, std::shared_ptr<const Config> settings,
                    proxyproto::ConnectionInfo info, AdmissionTicket ticket,
                    std::chrono::steady_clock::time_point login_deadline, int fd) {
  Connection connection(context, std::move(settings), std::move(info), std::move(ticket),
                        login_deadline);
  connection.run(fd);
}

}  // namespace gitgate::server
