#include "git/receive/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <system_error>

namespace gitgate::git::detail {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// receive-pack's keepalives while a hook is silent come about once a second.
constexpr milliseconds kIdleInterval{1000};
// Without a pidfd to wait on, how often a hook that closed its output is polled for its exit.
constexpr milliseconds kExitPollInterval{10};
// A hook that cannot be started declines, like a hook that fails.
constexpr HookOutcome kNotStarted{.ran = true, .exit_status = 128};
constexpr size_t kReadChunk = size_t{64} * 1024;

// The server's variables a hook sees; everything else of the server's environment
// (its secrets, its LD_* settings) stays out.
constexpr std::array<const char*, 4> kInheritedVariables = {"PATH", "HOME", "LANG", "TZ"};

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd other) noexcept {  // move-and-swap; copies are deleted by the move
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() { reset(); }
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool open() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  int fd_ = -1;
};

// A close-on-exec copy at 3 or above: a server started with stdin, stdout or stderr
// closed gets pipe ends among 0..2, and the dup2 onto 0..2 in the child would then
// overwrite one end with another.
Fd above_stdio(Fd fd) {
  if (fd.get() > STDERR_FILENO) {
    return fd;
  }
  return Fd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
}

// Both ends close-on-exec (only the dup2 copies reach the hook), moved above 0..2.
bool make_pipe(Fd& read_end, Fd& write_end) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    return false;
  }
  read_end = above_stdio(Fd(fds[0]));
  write_end = above_stdio(Fd(fds[1]));
  return read_end.open() && write_end.open();
}

bool set_nonblocking(const Fd& fd) {
  const int flags = ::fcntl(fd.get(), F_GETFL);
  return flags >= 0 && ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) == 0;
}

// "NAME=value" strings: the inherited variables, GIT_DIR, then the run's own pairs, a
// later pair replacing an earlier one of the same name in place.
std::vector<std::string> hook_environment(const HookRun& run, const std::string& git_dir) {
  std::vector<std::pair<std::string, std::string>> pairs;
  auto set = [&pairs](std::string_view name, std::string_view value) {
    // A name with '=' or NUL cannot be expressed in an envp entry; such a pair is dropped.
    if (name.empty() || name.find_first_of(std::string_view("=\0", 2)) != std::string_view::npos) {
      return;
    }
    auto it = std::find_if(pairs.begin(), pairs.end(),
                           [name](const auto& pair) { return pair.first == name; });
    if (it != pairs.end()) {
      it->second = value;
    } else {
      pairs.emplace_back(name, value);
    }
  };
  for (const char* name : kInheritedVariables) {
    if (const char* value = std::getenv(name); value != nullptr) {
      set(name, value);
    }
  }
  set("GIT_DIR", git_dir);
  for (const auto& [name, value] : run.environment) {
    set(name, value);
  }
  std::vector<std::string> entries;
  entries.reserve(pairs.size());
  for (const auto& [name, value] : pairs) {
    entries.push_back(name);
    entries.back().append("=").append(value);
  }
  return entries;
}

std::vector<char*> c_pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (auto& string : strings) {
    pointers.push_back(string.data());
  }
  pointers.push_back(nullptr);
  return pointers;
}

struct SpawnPlan {
  std::string program;
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  std::string directory;
  int stdin_fd = -1;
  int output_fd = -1;
};

// posix_spawn rather than fork: the server is multithreaded, and posix_spawn does the
// dup2/chdir/close work in the child without running any of our code there. Returns
// 0 and sets pid, or the errno of the failure (exec failures included: glibc reports
// them and reaps the failed child itself).
int spawn(SpawnPlan& plan, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  if (int error = ::posix_spawn_file_actions_init(&actions); error != 0) {
    return error;
  }
  if (int error = ::posix_spawnattr_init(&attributes); error != 0) {
    ::posix_spawn_file_actions_destroy(&actions);
    return error;
  }
  sigset_t no_signals;
  sigset_t all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  int error = 0;
  auto check = [&error](int result) {
    if (error == 0) {
      error = result;
    }
  };
  // stdout and stderr share one pipe so that their bytes keep the order the hook wrote
  // them in, as receive-pack's copy_to_sideband sees them (run-command's stdout_to_stderr).
  check(::posix_spawn_file_actions_adddup2(&actions, plan.stdin_fd, STDIN_FILENO));
  check(::posix_spawn_file_actions_adddup2(&actions, plan.output_fd, STDOUT_FILENO));
  check(::posix_spawn_file_actions_adddup2(&actions, plan.output_fd, STDERR_FILENO));
  // githooks(5): "hooks triggered during a push (pre-receive, update, post-receive,
  // post-update, push-to-checkout) ... are always executed in $GIT_DIR".
  check(::posix_spawn_file_actions_addchdir_np(&actions, plan.directory.c_str()));
  // Whatever the server opened without O_CLOEXEC (sockets of other sessions, files of
  // libraries) stays out of the hook.
  check(::posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1));
  // Its own process group, so that the timeout kills what the hook started as well.
  // The server ignores SIGPIPE and an ignored signal survives exec: the hook gets every
  // signal back at its default, unblocked, as it would from a shell.
  check(::posix_spawnattr_setflags(
      &attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  check(::posix_spawnattr_setpgroup(&attributes, 0));
  check(::posix_spawnattr_setsigmask(&attributes, &no_signals));
  check(::posix_spawnattr_setsigdefault(&attributes, &all_signals));
  if (error == 0) {
    auto argv = c_pointers(plan.argv);
    auto envp = c_pointers(plan.envp);
    error =
        ::posix_spawn(&pid, plan.program.c_str(), &actions, &attributes, argv.data(), envp.data());
  }
  ::posix_spawnattr_destroy(&attributes);
  ::posix_spawn_file_actions_destroy(&actions);
  return error;
}

int exit_status_of(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    return 128 + WTERMSIG(wait_status);
  }
  return WEXITSTATUS(wait_status);
}

// The started hook: reaped in every case, killed with its process group first when it
// is still running at the end (the timeout, or a callback that threw). Its exit is
// noticed without reaping it (WNOWAIT) until the end: the zombie keeps its pid, and
// with it the group's id, from going to another process before kill_group.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {
    // A pidfd lets poll wake at the hook's exit once its output is closed; without one
    // (kernels before 5.3) the loop polls waitid instead.
    pidfd_ = Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (!status_) {
      kill_group();
      reap();
    }
  }

  [[nodiscard]] const Fd& pidfd() const { return pidfd_; }

  [[nodiscard]] bool exited() {
    if (!exited_) {
      siginfo_t info{};
      const int result =
          ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
      // An error other than EINTR (ECHILD: SIGCHLD set to SIG_IGN reaped it) leaves
      // nothing to wait for.
      exited_ = result == 0 ? info.si_pid == pid_ : errno != EINTR;
      if (exited_) {
        pidfd_.reset();
      }
    }
    return exited_;
  }

  void kill_group() const {
    // The group's id is the hook's pid (setpgroup 0); the hook itself too, in case it
    // moved to a group of its own.
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }

  // Waits for the hook's end; its exit status.
  int reap() {
    while (!status_) {
      int wait_status = 0;
      const pid_t result = ::waitpid(pid_, &wait_status, 0);
      if (result == pid_) {
        status_ = exit_status_of(wait_status);
      } else if (result < 0 && errno != EINTR) {
        status_ = 128;
      }
    }
    return *status_;
  }

 private:
  pid_t pid_;
  Fd pidfd_;
  bool exited_ = false;
  std::optional<int> status_;
};

// write() with SIGPIPE held back: a hook that exits without reading its stdin must
// not take the server down. The signal a failed write raises is consumed here unless
// one was pending before, so nothing is delivered when the mask is restored.
ssize_t write_without_sigpipe(int fd, const char* data, size_t size) {
  sigset_t sigpipe;
  sigset_t previous;
  sigemptyset(&sigpipe);
  sigaddset(&sigpipe, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &sigpipe, &previous);
  sigset_t pending;
  sigemptyset(&pending);
  ::sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  const ssize_t written = ::write(fd, data, size);
  const int write_errno = errno;
  if (written < 0 && write_errno == EPIPE && !was_pending) {
    const timespec no_wait{};
    while (::sigtimedwait(&sigpipe, nullptr, &no_wait) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  errno = write_errno;
  return written;
}

// Feeds stdin, hands output on, calls idle while silent, and reaps, until the hook has
// exited and its output is closed, or the timeout.
class Session {
 public:
  Session(const HookRun& run, const HookIo& io, Child& child, Fd stdin_fd, Fd output_fd)
      : run_(run),
        io_(io),
        child_(child),
        stdin_(std::move(stdin_fd)),
        output_(std::move(output_fd)) {}

  HookOutcome run() {
    HookOutcome outcome{.ran = true};
    const auto start = Clock::now();
    const auto deadline = start + run_.timeout;
    last_heard_ = start;
    if (run_.input.empty()) {
      stdin_.reset();
    }
    // Like receive-pack, wait for the output's end too: a hook that leaves a child
    // holding its stdout keeps the push waiting, until the timeout.
    // exited() first, every round: it also stops the pidfd's watch once it has fired.
    while (!child_.exited() || output_.open()) {
      const auto now = Clock::now();
      if (now >= deadline) {
        child_.kill_group();
        outcome.timed_out = true;
        break;
      }
      if (now - last_heard_ >= kIdleInterval) {
        last_heard_ = now;
        if (io_.idle) {
          io_.idle();
        }
      }
      wait_for_events(std::min(deadline, last_heard_ + kIdleInterval) - now);
    }
    outcome.exit_status = child_.reap();
    return outcome;
  }

 private:
  void wait_for_events(Clock::duration limit) {
    std::array<pollfd, 3> fds{};
    nfds_t count = 0;
    auto watch = [&](const Fd& fd, short events) -> pollfd* {
      if (!fd.open()) {
        return nullptr;
      }
      fds[count] = pollfd{fd.get(), events, 0};
      return &fds[count++];
    };
    const pollfd* input = watch(stdin_, POLLOUT);
    const pollfd* output = watch(output_, POLLIN);
    watch(child_.pidfd(), POLLIN);
    if (!child_.pidfd().open() && !child_.exited()) {
      limit = std::min<Clock::duration>(limit, kExitPollInterval);
    }
    // Rounded up: a poll that wakes just before the deadline would spin.
    const auto wait_ms = std::chrono::ceil<milliseconds>(limit).count();
    if (::poll(fds.data(), count, static_cast<int>(std::max<int64_t>(wait_ms, 0))) < 0) {
      return;  // EINTR: the loop looks at the clock and comes back
    }
    if (input != nullptr && input->revents != 0) {
      feed();
    }
    if (output != nullptr && output->revents != 0) {
      drain();
    }
  }

  void feed() {
    const std::string& input = run_.input;
    const ssize_t written =
        write_without_sigpipe(stdin_.get(), input.data() + fed_, input.size() - fed_);
    if (written > 0) {
      fed_ += static_cast<size_t>(written);
    } else if (written < 0 && errno != EAGAIN && errno != EINTR) {
      stdin_.reset();  // EPIPE: the hook does not read it, which is its right
      return;
    }
    if (fed_ == input.size()) {
      stdin_.reset();  // the end of its input
    }
  }

  void drain() {
    const ssize_t got = ::read(output_.get(), buffer_.data(), buffer_.size());
    if (got > 0) {
      last_heard_ = Clock::now();
      if (io_.output) {
        io_.output(std::span<const uint8_t>(buffer_.data(), static_cast<size_t>(got)));
      }
    } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
      output_.reset();
    }
  }

  const HookRun& run_;
  const HookIo& io_;
  Child& child_;
  Fd stdin_;
  Fd output_;
  size_t fed_ = 0;
  Clock::time_point last_heard_;
  std::vector<uint8_t> buffer_ = std::vector<uint8_t>(kReadChunk);  // off the caller's stack
};

}  // namespace

HookOutcome run_hook(const HookRun& run, const HookIo& io) {
  std::error_code path_error;
  const std::filesystem::path repository = std::filesystem::absolute(run.repository, path_error);
  if (path_error) {
    return kNotStarted;
  }
  const std::string program = (repository / "hooks" / run.name).string();
  // hook.c's find_hook: a hook is a file the server may execute (access X_OK); one that
  // is missing or not executable is not run, which is no failure.
  if (::access(program.c_str(), X_OK) != 0) {
    return HookOutcome{};
  }
  Fd stdin_read;
  Fd stdin_write;
  Fd output_read;
  Fd output_write;
  if (!make_pipe(stdin_read, stdin_write) || !make_pipe(output_read, output_write) ||
      !set_nonblocking(stdin_write) || !set_nonblocking(output_read)) {
    return kNotStarted;
  }
  SpawnPlan plan;
  plan.program = program;
  plan.argv.push_back(program);
  plan.argv.insert(plan.argv.end(), run.args.begin(), run.args.end());
  plan.envp = hook_environment(run, repository.string());
  plan.directory = repository.string();
  plan.stdin_fd = stdin_read.get();
  plan.output_fd = output_write.get();
  pid_t pid = -1;
  int error = spawn(plan, pid);
  if (error == ENOEXEC) {
    // run-command.c's start_command: when execve fails with ENOEXEC (a script without
    // "#!"), the file is run again with SHELL_PATH, "/bin/sh <hook> <args>".
    plan.program = "/bin/sh";
    plan.argv.insert(plan.argv.begin(), "/bin/sh");
    error = spawn(plan, pid);
  }
  if (error != 0) {
    return kNotStarted;
  }
  // The hook holds its own copies now; ours would keep its stdin from ending and its
  // output from reaching end-of-file.
  stdin_read.reset();
  output_write.reset();
  Child child(pid);
  Session session(run, io, child, std::move(stdin_write), std::move(output_read));
  return session.run();
}

}  // namespace gitgate::git::detail
