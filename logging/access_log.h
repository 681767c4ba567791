// The access log of ../shared/DESIGN.md: one i-line when a request starts and one
// o-line when it ends, 13 fields joined by " | ", written whole with one write().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "proxyproto/address.h"

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
  proxyproto::SocketAddress client;
  std::optional<proxyproto::SocketAddress> load_balancer;  // set when a PROXY header was received
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

// A file opened with O_APPEND ("-" = stdout); each line goes out with one write().
class AccessLog {
 public:
  explicit AccessLog(std::string path);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool open();                          // false (and a diagnostic) on failure
  bool reopen();                        // on SIGHUP; keeps the old fd if the new open fails
  void write(const std::string& line);  // line without its newline

 private:
  std::string path_;
  std::mutex mu_;
  int fd_ = -1;
  bool failing_ = false;  // a write failed and has not succeeded since (reported once)
};

}  // namespace gitgate::logging
