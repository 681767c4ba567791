#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "logging/access_log.h"
#include "logging/diagnostics.h"

namespace gitgate::logging {
namespace {

namespace fs = std::filesystem;

// A scratch directory per test, removed afterwards.
class AccessLogFile : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "access_log_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    init_diagnostics("info");  // back to stderr
    fs::remove_all(dir_);
  }

  // Diagnostics from here on go to diagnostics_text().
  void capture_diagnostics() { ASSERT_TRUE(init_diagnostics("info", sink_)); }
  std::string diagnostics_text() const { return out_.str(); }

  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;

 private:
  std::ostringstream out_;
  spdlog::sink_ptr sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
};

TEST_F(AccessLogFile, AppendsLinesToAFileWithMode0640) {
  const fs::path path = dir_ / "access.log";
  std::ofstream(path) << "existing\n";
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  AccessLog log(path.string());
  ASSERT_TRUE(log.open());
  log.write("one |");
  log.write("two |");
  EXPECT_EQ(read(path), "existing\none |\ntwo |\n");

  const fs::path fresh = dir_ / "fresh.log";
  const mode_t old_umask = umask(0);
  AccessLog created(fresh.string());
  ASSERT_TRUE(created.open());
  umask(old_umask);
  struct stat st {};
  ASSERT_EQ(stat(fresh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640U);
}

TEST_F(AccessLogFile, OpenFailsForAMissingDirectory) {
  AccessLog log((dir_ / "missing" / "access.log").string());
  EXPECT_FALSE(log.open());
  log.write("dropped |");  // no fd: nothing happens, nothing crashes
}

TEST_F(AccessLogFile, DashWritesToStandardOutput) {
  const fs::path path = dir_ / "stdout.txt";
  const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(file, 0);
  std::fflush(stdout);
  const int saved = dup(STDOUT_FILENO);
  dup2(file, STDOUT_FILENO);
  AccessLog log("-");
  const bool opened = log.open();
  dup2(saved, STDOUT_FILENO);  // the log keeps its own duplicate of the redirected fd 1
  ::close(saved);
  ::close(file);
  ASSERT_TRUE(opened);
  log.write("to stdout |");
  EXPECT_EQ(read(path), "to stdout |\n");
}

// Up to ~6 KB, longer than PIPE_BUF, so a torn write would show.
size_t payload_size(int thread, int line) { return (thread * 977 + line * 131) % 6000 + 1; }

TEST_F(AccessLogFile, ConcurrentWritersProduceWholeLines) {
  const fs::path path = dir_ / "access.log";
  AccessLog log(path.string());
  ASSERT_TRUE(log.open());
  constexpr int kThreads = 8;
  constexpr int kLines = 400;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kLines; ++i) {
        const std::string payload(payload_size(t, i), static_cast<char>('a' + t));
        log.write(std::to_string(t) + " " + std::to_string(i) + " " + payload + " |");
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  std::ifstream in(path);
  std::vector<int> next(kThreads, 0);
  std::string line;
  int total = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    int t = -1;
    int i = -1;
    std::string payload;
    fields >> t >> i >> payload;
    ASSERT_TRUE(t >= 0 && t < kThreads) << line.substr(0, 40);
    EXPECT_EQ(i, next[t]++);  // each thread's lines in its order, none missing
    EXPECT_EQ(payload.size(), payload_size(t, i));
    EXPECT_EQ(payload.find_first_not_of(static_cast<char>('a' + t)), std::string::npos);
    EXPECT_TRUE(line.ends_with(" |"));
    ++total;
  }
  EXPECT_EQ(total, kThreads * kLines);
}

TEST_F(AccessLogFile, ReopenAfterRenameWritesTheNewFile) {
  const fs::path path = dir_ / "access.log";
  const fs::path rotated = dir_ / "access.log.1";
  AccessLog log(path.string());
  ASSERT_TRUE(log.open());
  log.write("a |");
  fs::rename(path, rotated);  // logrotate, then SIGHUP
  log.write("b |");           // still the renamed file until reopen()
  ASSERT_TRUE(log.reopen());
  log.write("c |");
  EXPECT_EQ(read(rotated), "a |\nb |\n");
  EXPECT_EQ(read(path), "c |\n");
}

TEST_F(AccessLogFile, FailedReopenKeepsTheOldFile) {
  const fs::path logs = dir_ / "logs";
  fs::create_directory(logs);
  AccessLog log((logs / "access.log").string());
  ASSERT_TRUE(log.open());
  log.write("a |");
  fs::rename(logs, dir_ / "moved");  // the configured directory is gone
  EXPECT_FALSE(log.reopen());
  log.write("b |");
  EXPECT_EQ(read(dir_ / "moved" / "access.log"), "a |\nb |\n");
}

// SIGHUP with a new [access_log] path: the next line goes to the new file; a path that
// cannot be opened keeps the file (and the path) in use.
TEST_F(AccessLogFile, ReopenWithANewPathMovesToIt) {
  const fs::path first = dir_ / "first.log";
  const fs::path second = dir_ / "second.log";
  AccessLog log(first.string());
  ASSERT_TRUE(log.open());
  log.write("a |");
  ASSERT_TRUE(log.reopen(second.string()));
  EXPECT_EQ(log.path(), second.string());
  log.write("b |");
  EXPECT_FALSE(log.reopen((dir_ / "missing" / "third.log").string()));
  EXPECT_EQ(log.path(), second.string());
  log.write("c |");
  ASSERT_TRUE(log.reopen());  // the path in force: second.log
  log.write("d |");
  EXPECT_EQ(read(first), "a |\n");
  EXPECT_EQ(read(second), "b |\nc |\nd |\n");
}

// One write(2) call as a test scripts it: at most max_bytes go out, or it fails with error.
struct Step {
  size_t max_bytes = SIZE_MAX;
  int error = 0;
};

// The log's write call, following a script one step per call and then writing normally: the
// fake sits at the system-call boundary, and the bytes it lets through reach a real file.
class ScriptedWrite {
 public:
  explicit ScriptedWrite(std::vector<Step> steps) : steps_(steps.begin(), steps.end()) {}

  WriteCall call() {
    return [this](int fd, const void* data, size_t size) -> ssize_t {
      ++calls_;
      if (steps_.empty()) {
        return ::write(fd, data, size);
      }
      const Step step = steps_.front();
      steps_.pop_front();
      if (step.error != 0) {
        errno = step.error;
        return -1;
      }
      return ::write(fd, data, std::min(size, step.max_bytes));
    };
  }
  int calls() const { return calls_; }

 private:
  std::deque<Step> steps_;
  int calls_ = 0;
};

TEST_F(AccessLogFile, ShortWritesAreRetriedWithTheRest) {
  const fs::path path = dir_ / "access.log";
  ScriptedWrite script({{3}, {.error = EINTR}, {4}, {1}});
  AccessLog log(path.string(), script.call());
  ASSERT_TRUE(log.open());
  log.write("one line |");
  log.write("two |");
  EXPECT_EQ(read(path), "one line |\ntwo |\n");
  EXPECT_EQ(script.calls(), 6);
  EXPECT_EQ(log.lines_lost(), 0U);
}

// The torn line of issue 9: part of a line went out, then the disk was full.
TEST_F(AccessLogFile, ShortWriteThenFullDiskLeavesNoHalfLine) {
  capture_diagnostics();
  const fs::path path = dir_ / "access.log";
  ScriptedWrite script({{6}, {.error = ENOSPC}, {.error = ENOSPC}});
  AccessLog log(path.string(), script.call());
  ASSERT_TRUE(log.open());
  log.write("second record |");  // 6 bytes, then ENOSPC: cut back
  log.write("third record |");   // ENOSPC
  EXPECT_EQ(read(path), "");
  log.write("fourth |");
  EXPECT_EQ(read(path), "fourth |\n");
  EXPECT_EQ(log.lines_lost(), 2U);
  const std::string text = diagnostics_text();
  EXPECT_NE(text.find("write failed: No space left on device (ENOSPC)"), std::string::npos) << text;
  EXPECT_NE(text.find("2 access-log lines lost while " + path.string() + " was full (ENOSPC)"),
            std::string::npos)
      << text;
}

TEST_F(AccessLogFile, LossIsReportedOncePerStreakWithItsCause) {
  capture_diagnostics();
  const fs::path path = dir_ / "access.log";
  ScriptedWrite script({{.error = EIO}, {}, {.error = EDQUOT}, {.error = EDQUOT}});
  AccessLog log(path.string(), script.call());
  ASSERT_TRUE(log.open());
  for (const char* line : {"a |", "b |", "c |", "d |", "e |"}) {
    log.write(line);
  }
  EXPECT_EQ(read(path), "b |\ne |\n");
  EXPECT_EQ(log.lines_lost(), 3U);
  const std::string text = diagnostics_text();
  EXPECT_NE(text.find("1 access-log lines lost while " + path.string() +
                      " could not be written: Input/output error (EIO)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("2 access-log lines lost while " + path.string() +
                      " was over its disk quota (EDQUOT)"),
            std::string::npos)
      << text;
}

TEST_F(AccessLogFile, LossStillOutstandingIsReportedAtExit) {
  capture_diagnostics();
  const fs::path path = dir_ / "access.log";
  ScriptedWrite script({{.error = ENOSPC}});
  {
    AccessLog log(path.string(), script.call());
    ASSERT_TRUE(log.open());
    log.write("a |");
  }
  const std::string text = diagnostics_text();
  EXPECT_NE(text.find("1 access-log lines lost while " + path.string() +
                      " was full (ENOSPC); still so at exit"),
            std::string::npos)
      << text;
}

// Stdout redirected to a pipe for the life of the object; the log opened on "-" keeps its
// own duplicate.
class PipeAsStdout {
 public:
  PipeAsStdout() {
    std::fflush(stdout);
    if (::pipe(fds_) != 0) {
      return;
    }
    saved_ = dup(STDOUT_FILENO);
    dup2(fds_[1], STDOUT_FILENO);
  }
  ~PipeAsStdout() {
    restore();
    ::close(fds_[0]);
  }
  PipeAsStdout(const PipeAsStdout&) = delete;
  PipeAsStdout& operator=(const PipeAsStdout&) = delete;

  void restore() {
    if (saved_ >= 0) {
      dup2(saved_, STDOUT_FILENO);
      ::close(saved_);
      ::close(fds_[1]);
      saved_ = -1;
    }
  }
  std::string drain() const {
    std::string text(4096, '\0');
    const ssize_t n = ::read(fds_[0], text.data(), text.size());
    text.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return text;
  }

 private:
  int fds_[2] = {-1, -1};
  int saved_ = -1;
};

// A pipe cannot be cut back: the rest of the line goes out before the next line.
TEST_F(AccessLogFile, PipeGetsTheRestOfTheLineBeforeTheNextLine) {
  PipeAsStdout pipe;
  ScriptedWrite script({{4}, {.error = EAGAIN}});
  AccessLog log("-", script.call());
  ASSERT_TRUE(log.open());
  pipe.restore();
  log.write("first line |");
  log.write("second |");
  EXPECT_EQ(pipe.drain(), "first line |\nsecond |\n");
  EXPECT_EQ(log.lines_lost(), 0U);
}

// SIGHUP while a line is half out: its rest goes where its start went, before the switch.
TEST_F(AccessLogFile, ReopenFinishesAPendingLineOnTheOldFile) {
  PipeAsStdout pipe;
  ScriptedWrite script({{4}, {.error = EAGAIN}});
  AccessLog log("-", script.call());
  ASSERT_TRUE(log.open());
  log.write("first line |");
  ASSERT_TRUE(log.reopen());
  pipe.restore();
  log.write("second |");
  EXPECT_EQ(pipe.drain(), "first line |\nsecond |\n");
  EXPECT_EQ(log.lines_lost(), 0U);
}

// A real full disk: a 64 KiB tmpfs, filled up but for part of a page. tmpfs takes a write up
// to the end of the last page it can allocate, so a line crossing it is a real short write.
class AccessLogFullDisk : public AccessLogFile {
 protected:
  void SetUp() override {
    AccessLogFile::SetUp();
    mount_ = dir_ / "mnt";
    fs::create_directory(mount_);
    if (::mount("tmpfs", mount_.c_str(), "tmpfs", 0, "size=64k") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): "
                   << std::error_code(errno, std::generic_category()).message();
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) {
      ::umount2(mount_.c_str(), MNT_DETACH);
    }
    AccessLogFile::TearDown();
  }

  // Writes until the file system refuses: what is left is less than one page.
  void fill(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    const std::string block(4096, 'x');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    ::close(fd);
  }

  fs::path mount_;
  bool mounted_ = false;
};

TEST_F(AccessLogFullDisk, NoTornLineAndTheLossIsCounted) {
  capture_diagnostics();
  const fs::path path = mount_ / "access.log";
  AccessLog log(path.string());
  ASSERT_TRUE(log.open());
  log.write("before |");  // the log's first page
  fill(mount_ / "filler");
  int written = 0;
  for (; log.lines_lost() < 5 && written < 1000; ++written) {
    log.write("line " + std::to_string(written) + " " + std::string(100, 'y') + " |");
  }
  ASSERT_EQ(log.lines_lost(), 5U) << "the disk never filled";
  const std::string full = read(path);
  EXPECT_GT(full.size(), 3000U);  // most of the log's page was used...
  EXPECT_TRUE(full.ends_with(" |\n")) << full.substr(full.size() - 60);  // ...by whole lines
  fs::remove(mount_ / "filler");
  log.write("after |");
  const std::string text = read(path);
  EXPECT_EQ(text, full + "after |\n");
  std::istringstream lines(text);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    EXPECT_TRUE(line.ends_with(" |")) << line;
    EXPECT_EQ(line.find(" | line"), std::string::npos) << "glued: " << line;
  }
  EXPECT_EQ(count, written - 5 + 2);
  EXPECT_NE(diagnostics_text().find("5 access-log lines lost while " + path.string() +
                                    " was full (ENOSPC)"),
            std::string::npos)
      << diagnostics_text();
}

}  // namespace
}  // namespace gitgate::logging
