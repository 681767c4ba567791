// gitgate's metrics of events, counted where each happens with one call: a connection
// accepted or refused, a PROXY header read, an authentication attempt, a request's end.
// States (connections open, the pack cache, the pack-generation queue) are read when the
// page is made (server/metrics_page.h). Every label value is one of a fixed set made here:
// no user name, path or address ever becomes a label.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "logging/access_log.h"
#include "metrics/registry.h"
#include "proxyproto/reader.h"
#include "server/admission.h"

namespace gitgate::server {

class ServerMetrics {
 public:
  ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  void connection_accepted() { connections_->inc(); }
  // An admission verdict other than kAdmitted.
  void connection_refused(Admission::Verdict verdict);
  // No thread could be started for the connection.
  void connection_refused_no_thread();
  // What the PROXY reader made of a connection; a refusal (but a peer that hung up: a TCP
  // health check) also counts as a refused connection, reason "proxy_header".
  void proxy_header(const proxyproto::ReadResult& result);
  // "success", or the reason a key was refused as the connection logs it: "unknown key",
  // "bad signature", "unreadable key" (others count as "other").
  void auth_attempt(std::string_view result);
  // At the o-line: requests by command and status, the duration, the channel's bytes.
  void request_ended(const logging::AccessRecord& record);

  [[nodiscard]] const metrics::Registry& registry() const { return registry_; }

  // The command label of a request: which of the access log's labels clone, fetch, refs
  // (the ref advertisement only: ls-remote, or a fetch with nothing to fetch) and push it
  // has, looked up in the set (the o-line has them sorted, so their order says nothing),
  // or push for any git-receive-pack; "other" for a request that ended before the protocol
  // said (refused, drained or failed before a pack).
  [[nodiscard]] static std::string_view command_of(const logging::AccessRecord& record);
  // The status label: "0", "1", "128", "143" (the statuses the access log's o-line
  // documents), "other" for any other.
  [[nodiscard]] static std::string_view status_of(int exit_status);

  static constexpr std::array<std::string_view, 5> kCommands = {"clone", "fetch", "refs", "push",
                                                                "other"};
  static constexpr std::array<std::string_view, 5> kStatuses = {"0", "1", "128", "143", "other"};

 private:
  metrics::Registry registry_;
  metrics::Counter* connections_ = nullptr;
  std::array<metrics::Counter*, 7> refused_{};
  std::array<metrics::Counter*, 11> proxy_{};
  std::array<metrics::Counter*, 7> auth_{};  // one per kAuthResults
  std::array<std::array<metrics::Counter*, kStatuses.size()>, kCommands.size()> requests_{};
  std::array<metrics::Histogram*, kCommands.size()> durations_{};
  metrics::Counter* bytes_sent_ = nullptr;
  metrics::Counter* bytes_received_ = nullptr;
};

// The process's one set, made on first use.
ServerMetrics& server_metrics();

}  // namespace gitgate::server
