// Diagnostics of connections refused or ended before login, which a flood cannot flood.
// Each is worth a line naming its client (fail2ban and audits read them), but not a
// thousand a second:
//   - kLinesPerClient lines per reason and client per interval (one second by default);
//   - at most kLinesPerReason lines per reason per interval, whatever the clients.
// The refusals held back are counted per reason, and the count is written with the next
// line of that reason, or by flush() once the reason has been quiet for an interval, so
// the total is always in the log: "... (and 57 more like it since the last such line)".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gitgate::server {

class RefusalLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kLinesPerClient = 3;
  static constexpr int kLinesPerReason = 20;
  // Clients remembered at once; beyond it a new client's refusal is counted, not shown.
  static constexpr size_t kMaxClients = 4096;

  explicit RefusalLimiter(std::chrono::milliseconds interval = std::chrono::seconds(1));

  // The line to log for this refusal now (line, with the count held back since the last
  // line of this reason), or nullopt to hold it back. client: who it was (an address and
  // what was wrong, as the caller sees fit). Thread-safe.
  [[nodiscard]] std::optional<std::string> admit(std::string_view reason, std::string_view client,
                                                 const std::string& line, Clock::time_point now);
  // Lines for reasons quiet for an interval whose refusals were held back; forgets
  // clients not seen for an interval.
  [[nodiscard]] std::vector<std::string> flush(Clock::time_point now);
  // At exit: the counts of every reason, quiet or not.
  [[nodiscard]] std::vector<std::string> flush_all();

 private:
  // Lines shown in the current interval, for a reason or for a reason and client.
  struct Window {
    Clock::time_point start{};
    int lines = 0;
    // Starts a new interval when the last one is over.
    void roll(Clock::time_point now, std::chrono::milliseconds interval) {
      if (now - start >= interval) {
        start = now;
        lines = 0;
      }
    }
  };
  struct Reason {
    Window window;
    Clock::time_point last_refusal{};
    uint64_t held_back = 0;
  };

  std::vector<std::string> flush_locked(Clock::time_point now, bool all);

  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::unordered_map<std::string, Reason> reasons_;
  std::unordered_map<std::string, Window> clients_;  // by reason + client
};

}  // namespace gitgate::server
