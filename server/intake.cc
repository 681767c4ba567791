#include "server/intake.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>

#include "logging/diagnostics.h"
#include "server/connection.h"
#include "server/server_metrics.h"
#include "server/session_policy.h"

namespace gitgate::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A balancer's header that names no client (LOCAL: its health check; UNKNOWN) counts
// against no source; every other connection counts against its real client.
std::optional<std::string> admission_source(const proxyproto::ConnectionInfo& info) {
  if (info.header.has_value() && !info.load_balancer.has_value()) {
    return std::nullopt;
  }
  return source_key(info.client);
}

double early_drop_chance() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

void log_refusal(ServerContext& context, spdlog::level::level_enum level, std::string_view reason,
                 std::string_view client, const std::string& line) {
  if (auto shown = context.refusals.admit("refused connection: " + std::string(reason), client,
                                          "refused connection: " + line, SteadyClock::now())) {
    spdlog::log(level, "{}", *shown);
  }
}

bool set_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// Closes the socket unless a Connection took it over, after taking it out of the set that
// SIGTERM shuts down.
class SocketGuard {
 public:
  SocketGuard(int fd, AdmissionTicket& ticket) : fd_(fd), ticket_(ticket) {}
  ~SocketGuard() {
    if (fd_ >= 0) {
      ticket_.forget_socket();
      close(fd_);
    }
  }
  SocketGuard(const SocketGuard&) = delete;
  SocketGuard& operator=(const SocketGuard&) = delete;
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
  AdmissionTicket& ticket_;
};

void serve(ServerContext& context, std::shared_ptr<const Config> settings, int fd,
           AdmissionTicket ticket) {
  SocketGuard socket(fd, ticket);
  const SteadyClock::time_point login_deadline =
      ticket.accepted_at() + std::chrono::seconds(settings->limits.login_grace_seconds);
  std::optional<proxyproto::ConnectionInfo> info =
      identify_connection(context, *settings, fd, ticket, login_deadline);
  // libssh polls the socket itself; a blocking send() would escape its timeouts.
  if (!info || !set_nonblocking(fd)) {
    return;
  }
  run_connection(context, std::move(settings), std::move(*info), std::move(ticket), login_deadline,
                 socket.release());
}

}  // namespace

std::optional<proxyproto::ConnectionInfo> identify_connection(
    ServerContext& context, const Config& settings, int fd, AdmissionTicket& ticket,
    std::chrono::steady_clock::time_point login_deadline) {
  proxyproto::Policy policy = settings.proxy;
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(login_deadline - SteadyClock::now());
  policy.header_timeout = std::clamp(left, std::chrono::milliseconds(1), policy.header_timeout);
  auto read = proxyproto::read_connection_info(fd, policy);
  server_metrics().proxy_header(read);
  if (auto* refusal = std::get_if<proxyproto::Refusal>(&read)) {
    // A peer that connects and hangs up is a TCP health check, not an attack.
    const auto level = refusal->reason == proxyproto::RefusalReason::kPeerClosed
                           ? spdlog::level::info
                           : spdlog::level::warn;
    const std::string_view reason = proxyproto::to_string(refusal->reason);
    const std::string detail = logging::printable(refusal->detail);
    // What was wrong is part of who it was: each kind of bad header is worth its line.
    log_refusal(context, level, reason, refusal->peer.ip_string() + " " + detail,
                fmt::format("{}: {} peer={}", reason, detail, refusal->peer.to_string()));
    return std::nullopt;
  }
  auto& info = std::get<proxyproto::ConnectionInfo>(read);
  const std::optional<std::string> source = admission_source(info);
  const Admission::Verdict verdict = ticket.identify(source, early_drop_chance());
  if (verdict != Admission::Verdict::kAdmitted) {
    server_metrics().connection_refused(verdict);
    const std::string why = context.admission.describe(verdict, source.value_or("-"));
    log_refusal(context, spdlog::level::warn, context.admission.describe(verdict, "one source"),
                source.value_or("-"), why + " " + address_fields(info));
    return std::nullopt;
  }
  return std::move(info);
}

// Whatever a session throws ends that session, never the server: the thread is detached,
// and an exception leaving it would terminate every other session with it.
void serve_connection(ServerContext& context, std::shared_ptr<const Config> settings, int fd,
                      AdmissionTicket ticket) {
  try {
    serve(context, std::move(settings), fd, std::move(ticket));
  } catch (const std::exception& error) {
    spdlog::error("internal error: {}; that connection was closed and the server goes on",
                  logging::printable(error.what()));
  } catch (...) {
    spdlog::error(
        "internal error: unknown exception; that connection was closed and the "
        "server goes on");
  }
}

}  // namespace gitgate::server
