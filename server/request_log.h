// The access-log record of one request, from its i-line to its o-line, and the set of
// requests in flight, so that a drain that runs out of time can still write every o-line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "git/request_labels.h"
#include "logging/access_log.h"

namespace gitgate::server {

class SshChannelStream;
class LoggedRequest;

// The o-line status of a request ended by the drain deadline: 128 + SIGTERM, as a shell
// reports a process ended by that signal.
inline constexpr int kExitDrained = 143;

// Requests whose i-line is written and whose o-line is not. Thread-safe.
class InFlightRequests {
 public:
  void add(LoggedRequest* request);
  void remove(LoggedRequest* request);
  // Writes the o-line of every request still in flight (label "drained", status
  // kExitDrained); their own finish() then writes nothing. Returns how many.
  size_t drain();

 private:
  std::mutex mu_;
  std::unordered_set<LoggedRequest*> requests_;
};

struct RequestLogContext {
  logging::AccessLog& access_log;
  logging::RequestIds& request_ids;
  InFlightRequests& in_flight;
};

// Writes the i-line when constructed; finish() (or the drain, or the destructor) writes
// the o-line, once, with the labels as they stand then: those of the record when
// constructed (the user's), and those the request recorded in labels() as it learned them.
class LoggedRequest {
 public:
  LoggedRequest(const RequestLogContext& context, logging::AccessRecord record,
                const SshChannelStream& stream);
  ~LoggedRequest();
  LoggedRequest(const LoggedRequest&) = delete;
  LoggedRequest& operator=(const LoggedRequest&) = delete;

  // Where the request records its labels as soon as it knows them; read when the o-line
  // is written, from whichever thread writes it.
  [[nodiscard]] git::RequestLabels& labels() { return labels_; }

  // bytes_read: what the o-line counts as read when it is not the channel's byte count (a
  // push counts the pack bytes it received, as Bitbucket does).
  void finish(int exit_status, std::optional<uint64_t> bytes_read = std::nullopt);
  // The drain deadline: the o-line as things stand, labelled "drained".
  void finish_drained();

  // The id both lines share, without their i/o mark: "@DX7BUKx631x44878x0" (Bitbucket's
  // request id), for the hooks of a push (GITGATE_REQUEST_ID).
  [[nodiscard]] std::string request_id() const;

 private:
  // Under mu_, once.
  void write_end(int exit_status, std::optional<uint64_t> bytes_read);

  RequestLogContext context_;
  const SshChannelStream& stream_;
  std::mutex mu_;
  bool finished_ = false;
  logging::AccessRecord record_;
  git::RequestLabels labels_;
};

}  // namespace gitgate::server
