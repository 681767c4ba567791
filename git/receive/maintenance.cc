#include "git/receive/maintenance.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace gitgate::git::detail {
namespace {

constexpr int kNice = 10;

struct Registry {
  std::mutex mutex;
  std::condition_variable idle;
  std::set<std::string> running;  // repositories with maintenance in progress
  std::string program = "git";
};

Registry& registry() {
  static Registry instance;
  return instance;
}

// The program's path, resolved before fork: only async-signal-safe calls may follow it.
std::string resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return program;
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    std::string candidate = std::string(dirs.substr(0, colon)) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    dirs.remove_prefix(colon == std::string_view::npos ? dirs.size() : colon + 1);
  }
  return {};
}

// Forks and execs; in the child only async-signal-safe calls.
pid_t spawn(const std::string& path, std::vector<char*>& argv, std::vector<char*>& envp) {
  const pid_t pid = ::fork();
  if (pid != 0) {
    return pid;
  }
  ::setsid();  // out of the server's process group: a signal to it does not stop this
  ::setpriority(PRIO_PROCESS, 0, kNice);
  const int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
  }
  ::syscall(SYS_close_range, 3U, ~0U, 0U);
  ::execve(path.c_str(), argv.data(), envp.data());
  ::_exit(127);
}

}  // namespace

void set_maintenance_program(const std::string& program) {
  const std::lock_guard lock(registry().mutex);
  registry().program = program;
}

bool start_auto_maintenance(const std::filesystem::path& repository) {
  Registry& r = registry();
  const std::string key = repository.lexically_normal().string();
  std::string program;
  {
    const std::lock_guard lock(r.mutex);
    if (!r.running.insert(key).second) {
      return false;
    }
    program = r.program;
  }
  auto give_up = [&] {
    const std::lock_guard lock(r.mutex);
    r.running.erase(key);
    r.idle.notify_all();
    return false;
  };
  const std::string path = resolve(program);
  if (path.empty()) {
    spdlog::warn("auto maintenance: {} not found on PATH", program);
    return give_up();
  }
  std::vector<std::string> args{program, "-C", key, "maintenance", "run", "--auto", "--quiet"};
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "GIT_", 4) != 0) {
      env.emplace_back(*e);
    }
  }
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (std::string& e : env) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  const pid_t pid = spawn(path, argv, envp);
  if (pid < 0) {
    spdlog::warn("auto maintenance of {}: fork failed: {}", key, std::strerror(errno));
    return give_up();
  }
  std::thread([pid, key] {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      spdlog::warn("auto maintenance of {} ended with status {}", key, status);
    }
    Registry& reg = registry();
    const std::lock_guard lock(reg.mutex);
    reg.running.erase(key);
    reg.idle.notify_all();
  }).detach();
  return true;
}

bool wait_for_maintenance(std::chrono::milliseconds timeout) {
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  return r.idle.wait_for(lock, timeout, [&] { return r.running.empty(); });
}

}  // namespace gitgate::git::detail
