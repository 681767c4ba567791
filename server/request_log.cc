#include "server/request_log.h"

#include <chrono>
#include <utility>

#include "server/server_metrics.h"
#include "server/session_policy.h"
#include "server/ssh_channel_stream.h"

namespace gitgate::server {

void InFlightRequests::add(LoggedRequest* request) {
  const std::lock_guard lock(mu_);
  requests_.insert(request);
}

void InFlightRequests::remove(LoggedRequest* request) {
  const std::lock_guard lock(mu_);
  requests_.erase(request);
}

// Lock order: this set, then a request's own mutex. A request takes its own mutex only
// without holding this one, so the two never wait on each other.
size_t InFlightRequests::drain() {
  const std::lock_guard lock(mu_);
  for (LoggedRequest* request : requests_) {
    request->finish_drained();
  }
  return requests_.size();
}

LoggedRequest::LoggedRequest(const RequestLogContext& context, logging::AccessRecord record,
                             const SshChannelStream& stream)
    : context_(context), stream_(stream), record_(std::move(record)) {
  for (const std::string& label : record_.labels) {
    labels_.add(label);
  }
  record_.start = std::chrono::system_clock::now();
  record_.request_id = context_.request_ids.start(record_.start);
  context_.access_log.write(format_access_line(record_, logging::LineKind::kStart));
  context_.in_flight.add(this);
}

// A request that ends without finish() (an exception unwound it) still gets its o-line:
// every i-line has one.
LoggedRequest::~LoggedRequest() {
  {
    const std::lock_guard lock(mu_);
    if (!finished_) {
      labels_.add("error");
      write_end(kExitFatal, std::nullopt);
    }
  }
  context_.in_flight.remove(this);
  context_.request_ids.finish();
}

void LoggedRequest::finish(int exit_status, std::optional<uint64_t> bytes_read) {
  const std::lock_guard lock(mu_);
  if (!finished_) {
    write_end(exit_status, bytes_read);
  }
}

// The request is still running on its own thread: its labels say what it was known to be
// by now (a clone whose pack is streaming), and "drained" says why it ended.
void LoggedRequest::finish_drained() {
  const std::lock_guard lock(mu_);
  if (!finished_) {
    labels_.add("drained");
    write_end(kExitDrained, std::nullopt);
  }
}

// Set in the constructor and never changed after: no lock needed.
std::string LoggedRequest::request_id() const {
  return logging::request_id_string(record_.request_id, logging::LineKind::kStart).substr(1);
}

void LoggedRequest::write_end(int exit_status, std::optional<uint64_t> bytes_read) {
  finished_ = true;
  record_.end = std::chrono::system_clock::now();
  record_.exit_status = exit_status;
  record_.bytes_read = bytes_read.value_or(stream_.bytes_read());
  record_.bytes_written = stream_.bytes_written();
  record_.labels = labels_.list();
  context_.access_log.write(format_access_line(record_, logging::LineKind::kEnd));
  server_metrics().request_ended(record_);
}

}  // namespace gitgate::server
