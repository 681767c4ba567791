// Prometheus's own checker, promtool (Debian's prometheus package; scripts/install-deps.sh
// installs it), reads a page with every kind of line this module writes: it must parse it
// and find nothing to lint.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "metrics/process.h"
#include "metrics/registry.h"

namespace gitgate::metrics {
namespace {

struct Checked {
  int status = -1;
  std::string output;
};

Checked promtool_check(const std::string& page) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("promtool-" + std::to_string(getpid()) + ".txt");
  std::ofstream(file) << page;
  const std::string command = "promtool check metrics < " + file.string() + " 2>&1";
  Checked checked;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    while (const size_t n = fread(buffer, 1, sizeof buffer, pipe)) {
      checked.output.append(buffer, n);
    }
    const int status = pclose(pipe);
    checked.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::filesystem::remove(file);
  return checked;
}

bool have_promtool() { return std::system("command -v promtool > /dev/null 2>&1") == 0; }

TEST(PromtoolTest, AcceptsEveryKindOfLine) {
  if (!have_promtool()) {
    GTEST_SKIP() << "promtool is not installed (scripts/install-deps.sh installs prometheus)";
  }
  Registry registry;
  auto& requests = registry.counter("test_requests_total", "Requests by \\ command,\nstatus.",
                                    {"command", "status"});
  requests.add({"clone", "0"}).inc(3);
  requests.add({"a \"quoted\" \\ value\nwith a new line", "128"}).inc();
  registry.gauge("test_open", "Open connections.", {"state"}).add({"unauthenticated"}).set(-2);
  registry.gauge("test_unlabelled_bytes", "One gauge without labels.").add().set(1 << 30);
  auto& durations = registry.histogram("test_request_duration_seconds", "Request durations.",
                                       {"command"}, {0.005, 0.5, 5, 60});
  durations.add({"clone"}).observe(0.25);
  durations.add({"fetch"});  // a child never observed: all zero
  registry.counter("test_empty_total", "A family without children.", {"reason"});
  registry.collector([](std::vector<MetricFamily>& out) {
    for (MetricFamily& family : process_metrics()) {
      out.push_back(std::move(family));
    }
  });
  const std::string page = write_text(registry.collect());
  const Checked checked = promtool_check(page);
  EXPECT_EQ(checked.status, 0) << checked.output << "\n" << page;
  EXPECT_EQ(checked.output, "") << page;
}

// The check is real: promtool refuses what the format forbids.
TEST(PromtoolTest, RefusesABrokenPage) {
  if (!have_promtool()) {
    GTEST_SKIP() << "promtool is not installed (scripts/install-deps.sh installs prometheus)";
  }
  EXPECT_NE(promtool_check("# TYPE x counter\nx{a=\"b} 1\n").status, 0);
  EXPECT_NE(promtool_check("# HELP x X.\n# TYPE x counter\nx 1\n").status, 0);  // no _total
}

}  // namespace
}  // namespace gitgate::metrics
