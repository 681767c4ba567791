// The access-log file: each line is written whole or not at all.
//
// A full disk used to tear the log: write() took part of a line, the next call failed with
// ENOSPC, and the next line that fit was glued onto the half line (one 15-field line made of
// two records). Now a line that went out only in part is cut back: for a regular file the
// file is truncated to the offset where the line began. O_APPEND puts every write at the end
// of the file, so that offset is the file position after the partial write minus the bytes
// written; our mutex keeps our own threads out of the way, and no other process should write
// this file (logrotate's copytruncate would race with any writer anyway). Where nothing can
// be cut back (a pipe, a terminal: "-"), the rest of the line is kept and written before the
// next line, so the line arrives whole, only late.
//
// Lines that cannot be written are dropped and counted, and the count is reported once the
// file takes lines again, as one diagnostic line (ERROR) that operators can grep for:
//   "110 access-log lines lost while /var/log/gitgate/access.log was full (ENOSPC)"
// The count goes to the diagnostic log rather than into the access log itself, whose readers
// expect 13 fields on every line.
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "logging/access_log.h"
#include "logging/diagnostics.h"

namespace gitgate::logging {
namespace {

constexpr mode_t kLogFileMode = 0640;

int open_log(const std::string& path) {
  if (path == "-") {
    return fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
  }
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, kLogFileMode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// "No space left on device" (ENOSPC); thread-safe, unlike strerror().
std::string error_text(int error) {
  const char* name = strerrorname_np(error);
  return std::error_code(error, std::generic_category()).message() + " (" +
         (name != nullptr ? name : std::to_string(error)) + ")";
}

// What the file was while lines were lost: "was full (ENOSPC)".
std::string condition(int error) {
  switch (error) {
    case ENOSPC:
      return "was full (ENOSPC)";
    case EDQUOT:
      return "was over its disk quota (EDQUOT)";
    default:
      return "could not be written: " + error_text(error);
  }
}

// Truncates a regular file back to where the line of which written bytes went out began.
bool cut_back(int fd, size_t written) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return false;
  }
  const off_t end = ::lseek(fd, 0, SEEK_CUR);
  if (end < 0 || static_cast<uint64_t>(end) < written) {
    return false;
  }
  const off_t start = end - static_cast<off_t>(written);
  // Without O_APPEND ("-" redirected to a file) the next write goes to the position, which
  // must not be left past the end (a hole of NUL bytes).
  return ::ftruncate(fd, start) == 0 && ::lseek(fd, start, SEEK_SET) == start;
}

}  // namespace

AccessLog::AccessLog(std::string path, WriteCall write_call)
    : path_(std::move(path)), write_(std::move(write_call)) {
  if (!write_) {
    write_ = [](int fd, const void* data, size_t size) { return ::write(fd, data, size); };
  }
}

AccessLog::~AccessLog() {
  if (lost_in_streak_ > 0) {
    diagnostics().error("{} access-log lines lost while {} {}; still so at exit", lost_in_streak_,
                        path_, condition(streak_error_));
  }
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool AccessLog::open() { return reopen(); }

bool AccessLog::reopen() { return reopen(path()); }

std::string AccessLog::path() const {
  const std::lock_guard lock(mu_);
  return path_;
}

// The new file is opened before the old one is closed, so a failed reopen (disk gone, directory
// renamed) loses nothing: lines keep going to the old file and the operator sees why.
bool AccessLog::reopen(const std::string& path) {
  const int fd = open_log(path);
  if (fd < 0) {
    const std::string reason = error_text(errno);
    const std::lock_guard lock(mu_);
    diagnostics().error("access log {}: cannot open: {}{}", path, reason,
                        fd_ >= 0 ? "; still writing to the previously opened file" : "");
    return false;
  }
  int old = -1;
  {
    const std::lock_guard lock(mu_);
    // The rest of a line belongs where its start went: one last try there.
    if (!pending_.empty() && fd_ >= 0 && !finish_pending()) {
      pending_.clear();
      lost(streak_error_ != 0 ? streak_error_ : EIO);
    }
    old = std::exchange(fd_, fd);
    path_ = path;
  }
  if (old >= 0) {
    ::close(old);
  }
  return true;
}

uint64_t AccessLog::lines_lost() const {
  const std::lock_guard lock(mu_);
  return lost_total_;
}

// One line per call, under the mutex: lines from our threads never interleave, even on a pipe
// ("-") where O_APPEND means nothing.
void AccessLog::write(const std::string& line) {
  std::string buffer;
  buffer.reserve(line.size() + 1);
  buffer += line;
  buffer += '\n';
  const std::lock_guard lock(mu_);
  if (fd_ < 0) {
    return;
  }
  if (!pending_.empty() && !finish_pending()) {
    lost(errno);
    return;
  }
  size_t written = 0;
  if (const int error = write_all(buffer, written); error != 0) {
    if (written == 0 || cut_back(fd_, written)) {
      lost(error);
    } else {
      pending_ = buffer.substr(written);  // the line goes out whole, later
      failed(error);
    }
    return;
  }
  recovered();
}

// Writes data, retrying short writes and EINTR; 0, or the errno of the write that failed
// (EIO for one that wrote nothing). written counts what went out either way.
int AccessLog::write_all(std::string_view data, size_t& written) {
  while (written < data.size()) {
    const ssize_t n = write_(fd_, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return n < 0 ? errno : EIO;
    }
    written += static_cast<size_t>(n);
  }
  return 0;
}

// True once pending_ is written; errno says why not.
bool AccessLog::finish_pending() {
  size_t written = 0;
  const int error = write_all(pending_, written);
  pending_.erase(0, written);
  errno = error;
  return error == 0;
}

void AccessLog::failed(int error) {
  if (streak_error_ == 0) {
    // Once per failing streak, not once per line of a full disk.
    diagnostics().error(
        "access log {}: write failed: {}; lines are dropped and counted until it takes them "
        "again",
        path_, error_text(error));
    streak_error_ = error;
  }
}

void AccessLog::lost(int error) {
  failed(error);
  ++lost_in_streak_;
  ++lost_total_;
}

void AccessLog::recovered() {
  if (streak_error_ == 0) {
    return;
  }
  if (lost_in_streak_ > 0) {
    diagnostics().error("{} access-log lines lost while {} {}", lost_in_streak_, path_,
                        condition(streak_error_));
  } else {
    diagnostics().warn("access log {}: writing again, no line lost", path_);
  }
  streak_error_ = 0;
  lost_in_streak_ = 0;
}

}  // namespace gitgate::logging
