#include "server/intake.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>

#include "logging/diagnostics.h"
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

}  // namespace

std::optional<proxyproto::ConnectionInfo> identify_connection(
    ServerContext& context, int fd, AdmissionTicket& ticket,
    std::chrono::steady_clock::time_point login_deadline) {
  proxyproto::Policy policy = context.config.proxy;
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(login_deadline - SteadyClock::now());
  policy.header_timeout = std::clamp(left, std::chrono::milliseconds(1), policy.header_timeout);
  auto read = proxyproto::read_connection_info(fd, policy);
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
    const std::string why = context.admission.describe(verdict, source.value_or("-"));
    log_refusal(context, spdlog::level::warn, context.admission.describe(verdict, "one source"),
                source.value_or("-"), why + " " + address_fields(info));
    return std::nullopt;
  }
  return std::move(info);
}

}  // namespace gitgate::server
