// What the *_stdio programs share: each runs one of git's server programs (upload-pack,
// receive-pack, upload-archive) on stdin/stdout/stderr the way git runs them, so that the
// real git client drives the server side with no SSH in between.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

#include "git/pack/pack_file.h"
#include "git/stream.h"

namespace gitgate::testing {

class FdStream : public git::Stream {
 public:
  ptrdiff_t read(std::span<uint8_t> out) override {
    for (;;) {
      const ssize_t n = ::read(0, out.data(), out.size());
      if (n >= 0 || errno != EINTR) {
        return n;
      }
    }
  }
  bool write(std::span<const uint8_t> data) override { return write_to(1, data); }
  bool write_stderr(std::span<const uint8_t> data) override { return write_to(2, data); }

 private:
  static bool write_to(int fd, std::span<const uint8_t> data) {
    return git::detail::write_all(
        fd, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  }
};

// GIT_PROTOCOL is colon-separated key[=value] items; "version=N" picks the protocol.
inline int protocol_version() {
  const char* env = std::getenv("GIT_PROTOCOL");
  std::string_view items = env != nullptr ? env : "";
  while (!items.empty()) {
    const size_t colon = items.find(':');
    const std::string_view item = items.substr(0, colon);
    if (item == "version=1") {
      return 1;
    }
    if (item == "version=2") {
      return 2;
    }
    items.remove_prefix(colon == std::string_view::npos ? items.size() : colon + 1);
  }
  return 0;
}

// Appends "exit=N labels=a,b, error=..." to the file the environment variable `log_variable`
// names, if it names one: what the tests read back of the access log's o-line.
template <typename Result>
void append_result(const char* log_variable, const Result& result) {
  const char* log = std::getenv(log_variable);
  FILE* f = log != nullptr ? std::fopen(log, "a") : nullptr;
  if (f == nullptr) {
    return;
  }
  std::fprintf(f, "exit=%d labels=", result.exit_status);
  for (const auto& label : result.labels) {
    std::fprintf(f, "%s,", label.c_str());
  }
  std::fprintf(f, " error=%s\n", result.error.c_str());
  std::fclose(f);
}

}  // namespace gitgate::testing
