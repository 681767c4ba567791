#include "metrics/process.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace gitgate::metrics {
namespace {

// proc(5) numbers the fields of /proc/[pid]/stat from 1; comm is (2), state (3).
constexpr int kUtimeField = 14;
constexpr int kStimeField = 15;
constexpr int kStartTimeField = 22;
constexpr int kVsizeField = 23;
constexpr int kRssField = 24;

std::optional<uint64_t> number(std::string_view text) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<uint64_t> open_descriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return std::nullopt;
  }
  uint64_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') {
      ++count;
    }
  }
  closedir(dir);
  return count - 1;  // the directory stream's own descriptor
}

MetricFamily one(const char* name, const char* help, Type type, double value) {
  return MetricFamily{name, help, type, {Sample{name, {}, value}}};
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const size_t comm_end = text.rfind(')');
  if (comm_end == std::string_view::npos) {
    return std::nullopt;
  }
  ProcStat stat;
  int field = 2;  // comm
  size_t pos = comm_end + 1;
  int found = 0;
  while (field < kRssField) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n')) {
      ++pos;
    }
    if (pos >= text.size()) {
      return std::nullopt;
    }
    const size_t end = std::min(text.find_first_of(" \n", pos), text.size());
    ++field;
    const std::string_view word = text.substr(pos, end - pos);
    pos = end;
    uint64_t* target = nullptr;
    switch (field) {
      case kUtimeField:
        target = &stat.user_ticks;
        break;
      case kStimeField:
        target = &stat.system_ticks;
        break;
      case kStartTimeField:
        target = &stat.start_ticks;
        break;
      case kVsizeField:
        target = &stat.virtual_bytes;
        break;
      case kRssField:
        target = &stat.resident_pages;
        break;
      default:
        continue;
    }
    const std::optional<uint64_t> value = number(word);
    if (!value) {
      return std::nullopt;
    }
    *target = *value;
    ++found;
  }
  return found == 5 ? std::optional<ProcStat>(stat) : std::nullopt;
}

std::optional<uint64_t> parse_boot_time(std::string_view proc_stat) {
  constexpr std::string_view kKey = "btime ";
  size_t line = 0;
  while (line < proc_stat.size()) {
    const size_t end = std::min(proc_stat.find('\n', line), proc_stat.size());
    const std::string_view text = proc_stat.substr(line, end - line);
    if (text.starts_with(kKey)) {
      return number(text.substr(kKey.size()));
    }
    line = end + 1;
  }
  return std::nullopt;
}

std::vector<MetricFamily> process_metrics() {
  std::vector<MetricFamily> out;
  const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const auto page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const std::optional<std::string> self = read_file("/proc/self/stat");
  const std::optional<ProcStat> stat = self ? parse_proc_stat(*self) : std::nullopt;
  if (stat && ticks > 0) {
    out.push_back(one("process_cpu_seconds_total",
                      "Total user and system CPU time spent in seconds.", Type::kCounter,
                      static_cast<double>(stat->user_ticks + stat->system_ticks) / ticks));
  }
  if (stat) {
    out.push_back(one("process_resident_memory_bytes", "Resident memory size in bytes.",
                      Type::kGauge, static_cast<double>(stat->resident_pages) * page));
    out.push_back(one("process_virtual_memory_bytes", "Virtual memory size in bytes.", Type::kGauge,
                      static_cast<double>(stat->virtual_bytes)));
  }
  if (const auto fds = open_descriptors()) {
    out.push_back(one("process_open_fds", "Number of open file descriptors.", Type::kGauge,
                      static_cast<double>(*fds)));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.push_back(one("process_max_fds", "Maximum number of open file descriptors.", Type::kGauge,
                      static_cast<double>(limit.rlim_cur)));
  }
  const std::optional<std::string> system = read_file("/proc/stat");
  const std::optional<uint64_t> boot = system ? parse_boot_time(*system) : std::nullopt;
  if (stat && boot && ticks > 0) {
    out.push_back(one("process_start_time_seconds",
                      "Start time of the process since unix epoch in seconds.", Type::kGauge,
                      static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / ticks));
  }
  return out;
}

}  // namespace gitgate::metrics
