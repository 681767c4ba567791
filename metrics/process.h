// The standard process_* metrics (as Prometheus's client libraries name them), read from
// /proc at each scrape: CPU time, resident and virtual memory, open and allowed descriptors,
// and the start time.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "metrics/exposition.h"

namespace gitgate::metrics {

// The fields of /proc/self/stat that the metrics use, in the units the kernel writes them.
// proc(5): "(2) comm %s ... in parentheses", then (14) utime and (15) stime in clock ticks,
// (22) starttime in clock ticks after boot, (23) vsize in bytes, (24) rss in pages.
struct ProcStat {
  uint64_t user_ticks = 0;
  uint64_t system_ticks = 0;
  uint64_t start_ticks = 0;
  uint64_t virtual_bytes = 0;
  uint64_t resident_pages = 0;
};

// comm may hold spaces and parentheses: the fields are counted after its last ')'.
// nullopt when a field is missing or not a number.
[[nodiscard]] std::optional<ProcStat> parse_proc_stat(std::string_view text);

// The "btime" line of /proc/stat: the boot time in seconds since the epoch.
[[nodiscard]] std::optional<uint64_t> parse_boot_time(std::string_view proc_stat);

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds; a metric whose source
// cannot be read is left out.
[[nodiscard]] std::vector<MetricFamily> process_metrics();

}  // namespace gitgate::metrics
