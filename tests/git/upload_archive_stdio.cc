// upload_archive_stdio REPOSITORY — serve_upload_archive on stdin/stdout, the way git runs
// an upload-archive program (`git archive --remote=DIR --exec=upload_archive_stdio`):
// the real git client against the server side with no SSH. UPLOAD_ARCHIVE_STDIO_LOG names
// a file that gets the exit status, labels and error.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "git/pack/pack_file.h"
#include "git/upload_archive.h"

namespace {

class FdStream : public gitgate::git::Stream {
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
    return gitgate::git::detail::write_all(
        fd, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: upload_archive_stdio REPOSITORY\n");
    return 2;
  }
  FdStream stream;
  const auto result = gitgate::git::serve_upload_archive({argv[1]}, stream);
  if (const char* log = std::getenv("UPLOAD_ARCHIVE_STDIO_LOG")) {
    if (FILE* f = std::fopen(log, "a")) {
      std::fprintf(f, "exit=%d labels=", result.exit_status);
      for (const auto& label : result.labels) {
        std::fprintf(f, "%s,", label.c_str());
      }
      std::fprintf(f, " error=%s\n", result.error.c_str());
      std::fclose(f);
    }
  }
  return result.exit_status;
}
