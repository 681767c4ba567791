#include "server/server_metrics.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <variant>
#include <vector>

#ifndef GITGATE_VERSION
#define GITGATE_VERSION "unknown"
#endif

namespace gitgate::server {
namespace {

// Index of each refusal reason in ServerMetrics::refused_.
enum Refused : size_t {
  kMaxConnections,
  kMaxUnauthenticated,
  kMaxPerSource,
  kMaxUnauthenticatedPerSource,
  kEarlyDrop,
  kProxyHeader,
  kNoThread,
};
constexpr std::array<const char*, 7> kRefusedReasons = {
    "max_connections", "max_unauthenticated", "max_per_source", "max_unauthenticated_per_source",
    "early_drop",      "proxy_header",        "no_thread"};

// {version, result} of each PROXY outcome, in the order of ServerMetrics::proxy_. A header
// that names a client is "proxy"; LOCAL, v1 UNKNOWN and v2 over UNSPEC name none ("local").
// A refusal happens before the version is known, except that "header_required" had none.
constexpr size_t kProxyAccepted = 0;  // + 2 * (version - 1) + (names no client ? 1 : 0)
constexpr size_t kProxyAbsent = 4;
constexpr size_t kProxyRefused = 5;  // + the refusal's index in kProxyRefusals
constexpr std::array<std::array<const char*, 2>, 11> kProxyOutcomes = {{
    {"v1", "proxy"},
    {"v1", "local"},
    {"v2", "proxy"},
    {"v2", "local"},
    {"none", "absent"},
    {"none", "header_required"},
    {"unknown", "timeout"},
    {"unknown", "invalid"},
    {"unknown", "untrusted_peer"},
    {"unknown", "peer_closed"},
    {"unknown", "io_error"},
}};

size_t refusal_index(proxyproto::RefusalReason reason) {
  switch (reason) {
    case proxyproto::RefusalReason::kHeaderRequired:
      return 0;
    case proxyproto::RefusalReason::kTimeout:
      return 1;
    case proxyproto::RefusalReason::kInvalid:
      return 2;
    case proxyproto::RefusalReason::kUntrustedPeer:
      return 3;
    case proxyproto::RefusalReason::kPeerClosed:
      return 4;
    case proxyproto::RefusalReason::kIoError:
      break;
  }
  return 5;
}

constexpr std::array<std::string_view, 7> kAuthResults = {
    "success",        "unknown key",      "bad signature", "certificate refused",
    "unreadable key", "host api failure", "other"};

// Seconds: from an ls-remote on loopback (a few ms) to a large clone (many minutes).
const std::vector<double> kDurationBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                             2.5,   5,    10,    30,   60,  300,  900};

std::string label_value(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), ' ', '_');
  return out;
}

bool has_label(const logging::AccessRecord& record, std::string_view label) {
  return std::find(record.labels.begin(), record.labels.end(), label) != record.labels.end();
}

template <size_t N>
size_t index_of(const std::array<std::string_view, N>& values, std::string_view value) {
  return static_cast<size_t>(std::find(values.begin(), values.end(), value) - values.begin());
}

}  // namespace

ServerMetrics::ServerMetrics() {
  registry_
      .gauge("gitgate_build_info", "gitgate's version, as a label; the value is 1.", {"version"})
      .add({GITGATE_VERSION})
      .set(1);
  connections_ =
      &registry_
           .counter("gitgate_connections_total", "TCP connections accepted on the SSH listeners.")
           .add();
  auto& refused = registry_.counter(
      "gitgate_connections_refused_total",
      "Connections closed before SSH: a connection limit (max_*, early_drop), a refused "
      "PROXY header, or no thread.",
      {"reason"});
  for (size_t i = 0; i < refused_.size(); ++i) {
    refused_[i] = &refused.add({kRefusedReasons[i]});
  }
  auto& proxy = registry_.counter(
      "gitgate_proxy_headers_total",
      "What the PROXY protocol reader found: a v1/v2 header naming a client (proxy) or none "
      "(local), no header (absent), or why the connection was refused.",
      {"version", "result"});
  for (size_t i = 0; i < proxy_.size(); ++i) {
    proxy_[i] = &proxy.add({kProxyOutcomes[i][0], kProxyOutcomes[i][1]});
  }
  auto& auth = registry_.counter("gitgate_auth_attempts_total",
                                 "Public-key authentication attempts with a signature, by result.",
                                 {"result"});
  for (size_t i = 0; i < auth_.size(); ++i) {
    auth_[i] = &auth.add({label_value(kAuthResults[i])});
  }
  auto& requests = registry_.counter(
      "gitgate_requests_total", "Git requests ended (access-log o-lines), by command and status.",
      {"command", "status"});
  auto& durations =
      registry_.histogram("gitgate_request_duration_seconds",
                          "Git request duration, i-line to o-line.", {"command"}, kDurationBounds);
  for (size_t c = 0; c < kCommands.size(); ++c) {
    for (size_t s = 0; s < kStatuses.size(); ++s) {
      requests_[c][s] = &requests.add({std::string(kCommands[c]), std::string(kStatuses[s])});
    }
    durations_[c] = &durations.add({std::string(kCommands[c])});
  }
  bytes_sent_ = &registry_
                     .counter("gitgate_bytes_sent_total",
                              "Bytes git requests sent to clients over their SSH channels.")
                     .add();
  bytes_received_ = &registry_
                         .counter("gitgate_bytes_received_total",
                                  "Bytes git requests received from clients over their SSH "
                                  "channels.")
                         .add();
}

void ServerMetrics::connection_refused(Admission::Verdict verdict) {
  switch (verdict) {
    case Admission::Verdict::kAdmitted:
      return;
    case Admission::Verdict::kTooManyConnections:
      refused_[kMaxConnections]->inc();
      return;
    case Admission::Verdict::kTooManyUnauthenticated:
      refused_[kMaxUnauthenticated]->inc();
      return;
    case Admission::Verdict::kTooManyFromSource:
      refused_[kMaxPerSource]->inc();
      return;
    case Admission::Verdict::kTooManyUnauthenticatedFromSource:
      refused_[kMaxUnauthenticatedPerSource]->inc();
      return;
    case Admission::Verdict::kEarlyDrop:
      refused_[kEarlyDrop]->inc();
      return;
  }
}

void ServerMetrics::connection_refused_no_thread() { refused_[kNoThread]->inc(); }

void ServerMetrics::proxy_header(const proxyproto::ReadResult& result) {
  if (const auto* refusal = std::get_if<proxyproto::Refusal>(&result)) {
    proxy_[kProxyRefused + refusal_index(refusal->reason)]->inc();
    if (refusal->reason != proxyproto::RefusalReason::kPeerClosed) {
      refused_[kProxyHeader]->inc();
    }
    return;
  }
  const auto& info = std::get<proxyproto::ConnectionInfo>(result);
  if (!info.header) {
    proxy_[kProxyAbsent]->inc();
    return;
  }
  const size_t version = info.header->version == proxyproto::Version::kV2 ? 1 : 0;
  proxy_[kProxyAccepted + 2 * version + (info.load_balancer ? 0 : 1)]->inc();
}

void ServerMetrics::auth_attempt(std::string_view result) {
  auth_[std::min(index_of(kAuthResults, result), kAuthResults.size() - 1)]->inc();
}

void ServerMetrics::request_ended(const logging::AccessRecord& record) {
  const size_t command = index_of(kCommands, command_of(record));
  requests_[command][index_of(kStatuses, status_of(record.exit_status))]->inc();
  const std::chrono::duration<double> duration = record.end - record.start;
  durations_[command]->observe(std::max(0.0, duration.count()));
  bytes_sent_->inc(record.bytes_written);
  bytes_received_->inc(record.bytes_read);
}

std::string_view ServerMetrics::command_of(const logging::AccessRecord& record) {
  if (has_label(record, "push") || record.action.find("git-receive-pack") != std::string::npos) {
    return "push";
  }
  for (const std::string_view command : {"clone", "fetch", "refs"}) {
    if (has_label(record, command)) {
      return command;
    }
  }
  return "other";
}

std::string_view ServerMetrics::status_of(int exit_status) {
  const std::string status = std::to_string(exit_status);
  const size_t index = index_of(kStatuses, status);
  return kStatuses[std::min(index, kStatuses.size() - 1)];
}

ServerMetrics& server_metrics() {
  static ServerMetrics metrics;
  return metrics;
}

}  // namespace gitgate::server
