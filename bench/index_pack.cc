// Times gitgate's index_pack against `git index-pack` (and libgit2's indexer) on copies of
// one pack, alternating, and prints each one's median wall time and the ratio to git's.
//
//   index_pack PACK [RUNS=5] [THREADS=0: one per core]
//
// Each run indexes a fresh copy (a pushed pack arrives as a file in the quarantine; the
// .pack, .idx and .rev are written as receive-pack needs them). git runs as receive-pack
// runs it, with the pack on stdin: `git index-pack --stdin --fix-thin --rev-index`, and
// also on the file as ours reads it (`git index-pack --rev-index FILE`).
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "git/receive/pack_indexer.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using gitgate::git::PushSettings;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

fs::path fresh_copy(const fs::path& pack, const fs::path& work, const std::string& name) {
  const fs::path dir = work / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(pack, dir / "incoming.pack");
  return dir / "incoming.pack";
}

bool run_shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
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
  std::vector<double> ours, libgit2, git_stdin, git_file;
  for (int run = 0; run < runs; ++run) {
    fs::path input = fresh_copy(pack, work, "ours");
    auto start = Clock::now();
    auto result = gitgate::git::detail::index_pack(input, nullptr, PushSettings{}, {}, threads);
    ours.push_back(seconds_since(start));
    if (auto* failure = std::get_if<gitgate::git::detail::IndexFailure>(&result)) {
      std::fprintf(stderr, "index_pack: %s\n", failure->reason.c_str());
      return 1;
    }
    input = fresh_copy(pack, work, "libgit2");
    start = Clock::now();
    result = gitgate::git::detail::index_pack_libgit2(input, nullptr, PushSettings{}, {});
    libgit2.push_back(seconds_since(start));
    input = fresh_copy(pack, work, "git-stdin");
    start = Clock::now();
    // --stdin writes into a repository's objects/pack: an empty one, made before timing.
    if (!run_shell(fmt::format("git init -q --bare '{}/repo.git'", input.parent_path().string()))) {
      return 1;
    }
    start = Clock::now();
    if (!run_shell(fmt::format("cd '{}' && git -C repo.git index-pack --stdin --fix-thin "
                               "--rev-index{} < incoming.pack > /dev/null",
                               input.parent_path().string(), git_threads))) {
      return 1;
    }
    git_stdin.push_back(seconds_since(start));
    input = fresh_copy(pack, work, "git-file");
    start = Clock::now();
    if (!run_shell(fmt::format("git index-pack --rev-index{} '{}' > /dev/null", git_threads,
                               input.string()))) {
      return 1;
    }
    git_file.push_back(seconds_since(start));
  }
  fs::remove_all(work);
  const double git = median(git_stdin);
  std::printf("%s: %.1f MB, %d runs, threads %s\n", pack.filename().c_str(),
              static_cast<double>(fs::file_size(pack)) / 1e6, runs,
              threads == 0 ? "one per core" : std::to_string(threads).c_str());
  std::printf("  %-44s %8s %8s\n", "", "median s", "vs git");
  const auto row = [&](const char* name, const std::vector<double>& v) {
    std::printf("  %-44s %8.3f %7.2fx\n", name, median(v), median(v) / git);
  };
  row("git index-pack --stdin --fix-thin --rev-index", git_stdin);
  row("git index-pack --rev-index FILE", git_file);
  row("gitgate index_pack", ours);
  row("libgit2 git_indexer (index_pack_libgit2)", libgit2);
  return 0;
}
