// Times gitgate's index_pack against `git index-pack` (and libgit2's indexer) on copies of
// one pack, alternating, each in a child process of its own; prints each one's median
// wall time, median CPU time (user + system) and largest peak RSS, and the ratios to git.
//
//   index_pack PACK [RUNS=5] [THREADS=0: one per core]
//
// Each run indexes a fresh copy (a pushed pack arrives as a file in the quarantine; the
// .pack, .idx and .rev are written as receive-pack needs them). git runs as receive-pack
// runs it, with the pack on stdin (`git index-pack --stdin --fix-thin --rev-index`, in an
// empty repository), and on the file as ours reads it (`git index-pack --rev-index FILE`).
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "git/receive/pack_indexer.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using gitgate::git::PushSettings;
using gitgate::git::detail::IndexedPack;

struct Sample {
  double wall = 0;
  double cpu = 0;
  long rss_kb = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + (static_cast<double>(tv.tv_usec) / 1e6);
}

// Runs body in a child process; its wall time, CPU time and peak RSS, or nullopt if it
// failed. A shell command run with exec counts as the child itself.
std::optional<Sample> measure(const std::function<bool()>& body) {
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    _exit(body() ? 0 : 1);
  }
  int status = 0;
  rusage usage{};
  if (pid < 0 || wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return std::nullopt;
  }
  return Sample{std::chrono::duration<double>(Clock::now() - start).count(),
                seconds(usage.ru_utime) + seconds(usage.ru_stime), usage.ru_maxrss};
}

bool shell(const std::string& command) {
  execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
  return false;
}

fs::path fresh_copy(const fs::path& pack, const fs::path& work, const std::string& name) {
  const fs::path dir = work / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(pack, dir / "incoming.pack");
  return dir / "incoming.pack";
}

bool report_failure(const std::variant<IndexedPack, gitgate::git::detail::IndexFailure>& r) {
  if (const auto* failure = std::get_if<gitgate::git::detail::IndexFailure>(&r)) {
    std::fprintf(stderr, "index failed: %s\n", failure->reason.c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PACK [RUNS] [THREADS]\n", argv[0]);
    return 2;
  }
  const fs::path pack = fs::absolute(argv[1]);
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  const unsigned threads = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 0;
  std::string pattern = (fs::temp_directory_path() / "index-pack-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return 1;
  }
  const fs::path work = pattern;
  const std::string git_threads = threads == 0 ? "" : fmt::format(" --threads={}", threads);
  const std::vector<std::string> names = {"git index-pack --stdin --fix-thin --rev-index",
                                          "git index-pack --rev-index FILE", "gitgate index_pack",
                                          "libgit2 git_indexer (index_pack_libgit2)",
                                          "(this program's child doing nothing)"};
  std::map<std::string, std::vector<Sample>> samples;
  for (int run = 0; run < runs; ++run) {
    for (const std::string& name : names) {
      const fs::path input = fresh_copy(pack, work, "run");
      const std::string dir = input.parent_path().string();
      std::function<bool()> body;
      if (name == names[0]) {
        // --stdin writes into a repository's objects/pack: an empty one, made untimed.
        if (std::system(fmt::format("git init -q --bare '{}/repo.git'", dir).c_str()) != 0) {
          return 1;
        }
        body = [&] {
          return shell(
              fmt::format("exec git -C '{}/repo.git' index-pack --stdin --fix-thin "
                          "--rev-index{} < '{}' > /dev/null",
                          dir, git_threads, input.string()));
        };
      } else if (name == names[1]) {
        body = [&] {
          return shell(fmt::format("exec git index-pack --rev-index{} '{}' > /dev/null",
                                   git_threads, input.string()));
        };
      } else if (name == names[2]) {
        body = [&] {
          return report_failure(
              gitgate::git::detail::index_pack(input, nullptr, PushSettings{}, {}, threads));
        };
      } else if (name == names[3]) {
        body = [&] {
          return report_failure(
              gitgate::git::detail::index_pack_libgit2(input, nullptr, PushSettings{}, {}));
        };
      } else {
        // The RSS the two in-process rows start from (this program and its libraries).
        body = [] { return true; };
      }
      const auto sample = measure(body);
      if (!sample) {
        std::fprintf(stderr, "%s failed\n", name.c_str());
        return 1;
      }
      samples[name].push_back(*sample);
    }
  }
  fs::remove_all(work);
  const auto column = [&](const std::string& name, double Sample::*field) {
    std::vector<double> v;
    for (const Sample& s : samples[name]) {
      v.push_back(s.*field);
    }
    return median(v);
  };
  const auto peak = [&](const std::string& name) {
    long most = 0;
    for (const Sample& s : samples[name]) {
      most = std::max(most, s.rss_kb);
    }
    return static_cast<double>(most) / 1024;
  };
  const double git_wall = column(names[0], &Sample::wall);
  const double git_cpu = column(names[0], &Sample::cpu);
  const double git_rss = peak(names[0]);
  std::printf("%s: %.1f MB, %d runs, threads %s\n", pack.filename().c_str(),
              static_cast<double>(fs::file_size(pack)) / 1e6, runs,
              threads == 0 ? "one per core" : std::to_string(threads).c_str());
  std::printf("| %-46s | wall s | vs git | CPU s | vs git | peak RSS MB | vs git |\n", "");
  std::printf("|%s|---|---|---|---|---|---|\n", std::string(48, '-').c_str());
  for (const std::string& name : names) {
    const double wall = column(name, &Sample::wall);
    const double cpu = column(name, &Sample::cpu);
    const double rss = peak(name);
    std::printf("| %-46s | %6.3f | %5.2fx | %5.2f | %5.2fx | %11.1f | %5.2fx |\n", name.c_str(),
                wall, wall / git_wall, cpu, cpu / git_cpu, rss, rss / git_rss);
  }
  return 0;
}
