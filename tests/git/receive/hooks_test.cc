#include "git/receive/hooks.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace gitgate::git::detail {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Ran {
  HookOutcome outcome;
  std::string output;
  int idle_calls = 0;
  Clock::duration took{};
};

std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    lines.insert(line);
  }
  return lines;
}

class HooksTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "hooks_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    repo_ = fs::path(tmpl) / "repo.git";
    fs::create_directories(repo_ / "hooks");
  }
  void TearDown() override {
    // Every hook was reaped: the test process has no child left, zombie or running.
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
    fs::remove_all(repo_.parent_path());
  }

  void write_hook(const std::string& name, const std::string& text,
                  fs::perms mode = fs::perms(0755)) {
    const fs::path path = repo_ / "hooks" / name;
    std::ofstream(path) << text;
    fs::permissions(path, mode);
  }
  void script(const std::string& body) { write_hook("pre-receive", "#!/bin/sh\n" + body + "\n"); }

  HookRun hook_run() const {
    HookRun run;
    run.repository = repo_;
    run.name = "pre-receive";
    run.timeout = 5s;
    return run;
  }

  static Ran run(const HookRun& run) {
    Ran ran;
    HookIo io;
    io.output = [&ran](std::span<const uint8_t> bytes) {
      ran.output.append(bytes.begin(), bytes.end());
    };
    io.idle = [&ran] { ++ran.idle_calls; };
    const auto start = Clock::now();
    ran.outcome = run_hook(run, io);
    ran.took = Clock::now() - start;
    return ran;
  }
  Ran run() const { return run(hook_run()); }

  pid_t grandchild_pid() const {
    pid_t pid = 0;
    std::ifstream(repo_ / "grandchild.pid") >> pid;
    return pid;
  }
  // Within a second the process is gone, or a zombie waiting for the reaper it was
  // handed to (it is not the test's child).
  static bool ends(pid_t pid) {
    const auto gone = [pid] {
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string id;
      std::string comm;
      char state = 0;
      return !(stat >> id >> comm >> state) || state == 'Z' || state == 'X';
    };
    for (int i = 0; i < 100 && !gone(); ++i) {
      std::this_thread::sleep_for(10ms);
    }
    return pid > 0 && gone();
  }

  fs::path repo_;
};

TEST_F(HooksTest, MissingHookIsNotRunAndCountsAsSuccess) {
  const Ran ran = run();
  EXPECT_FALSE(ran.outcome.ran);
  EXPECT_TRUE(ran.outcome.ok());
  EXPECT_EQ(ran.output, "");
}

TEST_F(HooksTest, NonExecutableHookIsNotRun) {
  write_hook("pre-receive", "#!/bin/sh\necho ran\nexit 1\n", fs::perms(0644));
  const Ran ran = run();
  EXPECT_FALSE(ran.outcome.ran);
  EXPECT_TRUE(ran.outcome.ok());
  EXPECT_EQ(ran.output, "");
}

TEST_F(HooksTest, OtherHookNamesAreNotRun) {
  write_hook("update", "#!/bin/sh\nexit 1\n");
  EXPECT_FALSE(run().outcome.ran);
}

TEST_F(HooksTest, HookThatCannotBeStartedFailsWith128) {
  // Executable as far as access(X_OK) can tell, but exec refuses a directory.
  fs::create_directory(repo_ / "hooks" / "pre-receive");
  fs::permissions(repo_ / "hooks" / "pre-receive", fs::perms(0755));
  const Ran ran = run();
  EXPECT_TRUE(ran.outcome.ran);
  EXPECT_EQ(ran.outcome.exit_status, 128);
  EXPECT_FALSE(ran.outcome.ok());
}

TEST_F(HooksTest, ArgumentsAndStdinReachTheHook) {
  script(R"(printf '[%s]' "$0" "$@"; echo; cat)");
  HookRun r = hook_run();
  r.args = {"refs/heads/main", "a b", ""};
  r.input = "0000 1111 refs/heads/main\n2222 3333 refs/heads/dev\n";
  const Ran ran = run(r);
  EXPECT_TRUE(ran.outcome.ran);
  EXPECT_TRUE(ran.outcome.ok());
  EXPECT_EQ(ran.output, "[" + (repo_ / "hooks" / "pre-receive").string() +
                            "][refs/heads/main][a b][]\n" + r.input);
}

TEST_F(HooksTest, EmptyInputIsAnImmediateEndOfFile) {
  script("cat; echo done");
  EXPECT_EQ(run().output, "done\n");
}

TEST_F(HooksTest, RunsInTheRepository) {
  script("pwd -P");
  EXPECT_EQ(run().output, fs::canonical(repo_).string() + "\n");
}

TEST_F(HooksTest, ScriptWithoutInterpreterLineRunsWithTheShell) {
  write_hook("pre-receive", "echo \"no interpreter line: $1\"\n");
  HookRun r = hook_run();
  r.args = {"x"};
  const Ran ran = run(r);
  EXPECT_EQ(ran.outcome.exit_status, 0);
  EXPECT_EQ(ran.output, "no interpreter line: x\n");
}

TEST_F(HooksTest, EnvironmentIsCleanWithGitDirAndTheRunsPairs) {
  ASSERT_EQ(::setenv("GITGATE_HOOKS_TEST_SECRET", "leaked", 1), 0);
  // The hook is env(1) itself, so nothing of a shell's own variables gets in the way.
  fs::create_symlink("/usr/bin/env", repo_ / "hooks" / "pre-receive");
  HookRun r = hook_run();
  r.environment = {{"GITGATE_USER_NAME", "first"},
                   {"GIT_PUSH_OPTION_COUNT", "0"},
                   {"GITGATE_USER_NAME", "alice"}};
  const Ran ran = run(r);
  ::unsetenv("GITGATE_HOOKS_TEST_SECRET");
  ASSERT_EQ(ran.outcome.exit_status, 0);

  std::set<std::string> expected = {"GIT_DIR=" + fs::absolute(repo_).string(),
                                    "GITGATE_USER_NAME=alice", "GIT_PUSH_OPTION_COUNT=0"};
  for (const char* name : {"PATH", "HOME", "LANG", "TZ"}) {
    if (const char* value = std::getenv(name); value != nullptr) {
      expected.insert(std::string(name) + "=" + value);
    }
  }
  EXPECT_EQ(lines_of(ran.output), expected);
  // One entry per name: the later pair replaced the earlier one.
  EXPECT_EQ(std::count(ran.output.begin(), ran.output.end(), '\n'), expected.size());
}

TEST_F(HooksTest, RunsPairsMayReplaceGitDir) {
  script(R"(echo "$GIT_DIR")");
  HookRun r = hook_run();
  r.environment = {{"GIT_DIR", "/elsewhere"}};
  EXPECT_EQ(run(r).output, "/elsewhere\n");
}

TEST_F(HooksTest, StdoutAndStderrKeepTheirOrder) {
  script("echo out1; echo err1 >&2; echo out2; echo err2 >&2; echo out3");
  EXPECT_EQ(run().output, "out1\nerr1\nout2\nerr2\nout3\n");
}

TEST_F(HooksTest, OutputIsHandedOnAsItArrives) {
  script("echo first; sleep 1; echo second");
  HookIo io;
  std::vector<std::pair<std::string, Clock::duration>> chunks;
  const auto start = Clock::now();
  io.output = [&](std::span<const uint8_t> bytes) {
    chunks.emplace_back(std::string(bytes.begin(), bytes.end()), Clock::now() - start);
  };
  const HookOutcome outcome = run_hook(hook_run(), io);
  EXPECT_TRUE(outcome.ok());
  ASSERT_EQ(chunks.size(), 2U);
  EXPECT_EQ(chunks[0].first, "first\n");
  EXPECT_LT(chunks[0].second, 800ms);  // before the hook's sleep ended
  EXPECT_EQ(chunks[1].first, "second\n");
}

TEST_F(HooksTest, ExitCodeIsReported) {
  script("echo declined; exit 3");
  const Ran ran = run();
  EXPECT_TRUE(ran.outcome.ran);
  EXPECT_EQ(ran.outcome.exit_status, 3);
  EXPECT_FALSE(ran.outcome.timed_out);
  EXPECT_FALSE(ran.outcome.ok());
  EXPECT_EQ(ran.output, "declined\n");
}

TEST_F(HooksTest, DeathBySignalIs128PlusTheSignal) {
  script("kill -TERM $$");
  const Ran ran = run();
  EXPECT_EQ(ran.outcome.exit_status, 128 + SIGTERM);
  EXPECT_FALSE(ran.outcome.ok());
}

TEST_F(HooksTest, HookGetsDefaultSignalsEvenWhenTheServerIgnoresSigpipe) {
  // The server ignores SIGPIPE; an ignored signal would survive exec into the hook.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &previous), 0);
  script("grep -E '^Sig(Ign|Blk):' /proc/self/status");
  const Ran ran = run();
  ::sigaction(SIGPIPE, &previous, nullptr);
  std::istringstream status(ran.output);
  std::string label;
  std::string blocked;
  std::string ignored;
  ASSERT_TRUE(status >> label >> blocked >> label >> ignored) << ran.output;
  // Signals 1-31 only (bits 0-30): glibc's posix_spawn ignores its own internal real-time signals
  // (32, 33) in the child, which the hook's own libc sets up again.
  EXPECT_EQ(std::stoull(blocked, nullptr, 16) & 0x7fffffffU, 0U) << ran.output;
  EXPECT_EQ(std::stoull(ignored, nullptr, 16) & 0x7fffffffU, 0U) << ran.output;
}

TEST_F(HooksTest, TimeoutKillsTheWholeProcessGroup) {
  // The grandchild holds the output pipe too: only killing the group ends the run.
  script("sleep 30 & echo $! > grandchild.pid; sleep 30");
  HookRun r = hook_run();
  r.timeout = 700ms;
  const Ran ran = run(r);
  EXPECT_TRUE(ran.outcome.ran);
  EXPECT_TRUE(ran.outcome.timed_out);
  EXPECT_EQ(ran.outcome.exit_status, 128 + SIGKILL);
  EXPECT_FALSE(ran.outcome.ok());
  EXPECT_GE(ran.took, 700ms);
  EXPECT_LT(ran.took, 3s);

  EXPECT_TRUE(ends(grandchild_pid()));
}

Clock::duration cpu_time() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return std::chrono::seconds(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         std::chrono::microseconds(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

TEST_F(HooksTest, OutputOfWhatTheHookLeftBehindIsWaitedFor) {
  // As receive-pack does: the output ends when every writer has closed it.
  script("(sleep 0.5; echo late) & exit 2");
  const auto cpu_before = cpu_time();
  const Ran ran = run();
  EXPECT_EQ(ran.outcome.exit_status, 2);
  EXPECT_FALSE(ran.outcome.timed_out);
  EXPECT_EQ(ran.output, "late\n");
  // Waited in poll, not in a loop around the exited hook's pidfd.
  EXPECT_LT(cpu_time() - cpu_before, 150ms);
}

TEST_F(HooksTest, WhatTheHookLeftBehindIsKilledAtTheTimeout) {
  script("sleep 30 & echo $! > grandchild.pid; exit 0");
  HookRun r = hook_run();
  r.timeout = 500ms;
  const Ran ran = run(r);
  EXPECT_TRUE(ran.outcome.timed_out);
  EXPECT_EQ(ran.outcome.exit_status, 0);  // the hook's own
  EXPECT_FALSE(ran.outcome.ok());
  EXPECT_TRUE(ends(grandchild_pid()));
}

TEST_F(HooksTest, HookThatClosesItsOutputIsStillWaitedFor) {
  script("exec >&- 2>&-; sleep 0.3; exit 4");
  const Ran ran = run();
  EXPECT_EQ(ran.outcome.exit_status, 4);
  EXPECT_FALSE(ran.outcome.timed_out);
  EXPECT_GE(ran.took, 300ms);
}

TEST_F(HooksTest, HookThatDoesNotReadItsInputDoesNotKillTheServer) {
  // SIGPIPE at its default: a write to the closed pipe without care would end this test.
  struct sigaction deflt {};
  struct sigaction previous {};
  deflt.sa_handler = SIG_DFL;
  ASSERT_EQ(::sigaction(SIGPIPE, &deflt, &previous), 0);
  HookRun r = hook_run();
  r.input.assign(4 << 20, 'x');  // far more than a pipe holds
  for (const std::string body : {"exit 0", "head -c 10 >/dev/null; echo read some"}) {
    script(body);
    const Ran ran = run(r);
    EXPECT_EQ(ran.outcome.exit_status, 0) << body;
    EXPECT_FALSE(ran.outcome.timed_out) << body;
  }
  sigset_t pending;
  sigemptyset(&pending);
  ::sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);  // none left to fire later
  ::sigaction(SIGPIPE, &previous, nullptr);
}

TEST_F(HooksTest, IdleIsCalledWhileTheHookIsSilent) {
  script("sleep 1.4");
  const Ran ran = run();
  EXPECT_TRUE(ran.outcome.ok());
  // About once a second: at 1 s of silence, perhaps again if the machine is slow.
  EXPECT_GE(ran.idle_calls, 1);
  EXPECT_LE(ran.idle_calls, 2);
}

TEST_F(HooksTest, IdleIsNotCalledWhileTheHookTalks) {
  script("for i in 1 2 3 4 5 6 7; do echo $i; sleep 0.2; done");
  const Ran ran = run();
  EXPECT_TRUE(ran.outcome.ok());
  EXPECT_EQ(ran.output, "1\n2\n3\n4\n5\n6\n7\n");
  EXPECT_EQ(ran.idle_calls, 0);
}

TEST_F(HooksTest, NoFileDescriptorOfTheServerLeaks) {
  // Descriptors opened without O_CLOEXEC, as a library might.
  const int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 0);
  ASSERT_EQ(::dup2(leaky, 77), 77);
  // ls itself, so that only its own descriptors show: 0-2 and 3, the directory it reads.
  fs::create_symlink("/bin/ls", repo_ / "hooks" / "pre-receive");
  HookRun r = hook_run();
  r.args = {"-1", "/proc/self/fd"};
  const Ran ran = run(r);
  ::close(77);
  ::close(leaky);
  EXPECT_EQ(ran.outcome.exit_status, 0);
  EXPECT_EQ(ran.output, "0\n1\n2\n3\n");
}

TEST_F(HooksTest, CallbackThatThrowsLeavesNoHookBehind) {
  script("echo hello; sleep 30");
  HookIo io;
  io.output = [](std::span<const uint8_t>) { throw std::runtime_error("client went away"); };
  const auto start = Clock::now();
  EXPECT_THROW(run_hook(hook_run(), io), std::runtime_error);
  EXPECT_LT(Clock::now() - start, 3s);
  // TearDown checks that it was reaped.
}

}  // namespace
}  // namespace gitgate::git::detail
