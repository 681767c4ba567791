// upload_archive_stdio REPOSITORY — serve_upload_archive on stdin/stdout, the way git runs
// an upload-archive program (`git archive --remote=DIR --exec=upload_archive_stdio`):
// the real git client against the server side with no SSH. UPLOAD_ARCHIVE_STDIO_LOG names
// a file that gets the exit status, labels and error.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "git/upload_archive.h"
#include "tests/git/stdio_stream.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: upload_archive_stdio REPOSITORY\n");
    return 2;
  }
  gitgate::testing::FdStream stream;
  const auto result = gitgate::git::serve_upload_archive({argv[1]}, stream);
  gitgate::testing::append_result("UPLOAD_ARCHIVE_STDIO_LOG", result);
  return result.exit_status;
}
