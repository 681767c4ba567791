// The access log of docs/DESIGN.md: one i-line when a request starts and one
// o-line when it ends, 13 fields joined by " | ", each field printable ASCII, each line
// written whole or not at all.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/socket_address.h"

namespace gitgate::logging {

// "i@NODExMINUTExCOUNTERxCONCURRENT" ('*' instead of '@' when clustered).
struct RequestId {
  std::string node;
  int minute_of_day = 0;
  uint64_t counter = 0;
  uint64_t concurrent = 0;
  bool clustered = false;
};

struct AccessRecord {
  net::SocketAddress client;
  std::optional<net::SocketAddress> load_balancer;  // set when a PROXY header was received
  RequestId request_id;
  std::string user;     // "-" when none
  std::string action;   // "SSH - git-upload-pack '/demo/repo.git'"
  std::string details;  // the client's SSH identification string, unquoted
  std::string session_id;
  std::chrono::system_clock::time_point start;
  // o-line only:
  std::chrono::system_clock::time_point end;
  int exit_status = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  std::vector<std::string> labels;
};

enum class LineKind : uint8_t { kStart, kEnd };

// The line (ending with " |", no newline), local time zone.
[[nodiscard]] std::string format_access_line(const AccessRecord& record, LineKind kind);
// "i@DX7BUKx631x44878x0" for kStart, "o@..." for kEnd.
[[nodiscard]] std::string request_id_string(const RequestId& id, LineKind kind);

// Hands out request ids and counts requests in flight.
class RequestIds {
 public:
  RequestIds(std::string node, bool clustered);
  // Starts a request: returns its id; the caller calls finish() when it ends.
  // The first request of the process has counter 1.
  RequestId start(std::chrono::system_clock::time_point now);
  void finish();
  [[nodiscard]] uint64_t in_flight() const { return in_flight_.load(); }

 private:
  std::string node_;
  bool clustered_;
  std::atomic<uint64_t> counter_{0};
  std::atomic<uint64_t> in_flight_{0};
};

// 7 base-36 characters, random.
[[nodiscard]] std::string new_session_id();

// write(2) as the access log calls it, with its errno; tests stage a short write or a full
// disk through it.
using WriteCall = std::function<ssize_t(int fd, const void* data, size_t size)>;

// A file opened with O_APPEND ("-" = stdout). Each line is written whole or not at all: a
// line the file took only part of is cut back (a regular file) or finished before the next
// line (a pipe). Lines that cannot be written are dropped and counted; once the file takes
// lines again, one diagnostic says "N access-log lines lost while PATH was full (ENOSPC)".
class AccessLog {
 public:
  explicit AccessLog(std::string path, WriteCall write_call = nullptr);  // null: ::write
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool open();    // false (and a diagnostic) on failure
  bool reopen();  // on SIGHUP; keeps the old fd if the new open fails
  // On SIGHUP with a changed [access_log] path: that file from now on, the old one closed;
  // keeps the old file (and path) if the new one cannot be opened.
  bool reopen(const std::string& path);
  [[nodiscard]] std::string path() const;
  void write(const std::string& line);  // line without its newline
  // Lines dropped since construction because the file would not take them.
  [[nodiscard]] uint64_t lines_lost() const;

 private:
  int write_all(std::string_view data, size_t& written);
  bool finish_pending();
  void failed(int error);
  void lost(int error);
  void recovered();

  std::string path_;
  WriteCall write_;
  mutable std::mutex mu_;
  int fd_ = -1;
  std::string pending_;   // the rest of a line that could not be cut back: written first
  int streak_error_ = 0;  // errno of the failing streak; 0 while lines go out
  uint64_t lost_in_streak_ = 0;
  uint64_t lost_total_ = 0;
};

}  // namespace gitgate::logging
