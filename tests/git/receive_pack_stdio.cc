// receive_pack_stdio REPOSITORY — serve_receive_pack on stdin/stdout/stderr, the way git
// runs a receive-pack program (`git push --receive-pack=receive_pack_stdio`): tests with
// the real git client and no SSH. GIT_PROTOCOL selects the version; RECEIVE_PACK_STDIO_*
// set what the server's config would: KEEPALIVE_MS, MAX_PACK_BYTES, FSCK=0, HOOKS=0,
// HOOK_TIMEOUT_S, MAINTENANCE=1 (off by default: this process ends with the push); LOG
// appends each ReceivePackResult to a file.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "git/receive_pack.h"
#include "tests/git/stdio_stream.h"

namespace {

const char* env(const char* name) { return std::getenv(name); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: receive_pack_stdio REPOSITORY\n");
    return 2;
  }
  spdlog::set_default_logger(spdlog::stderr_logger_mt("receive_pack_stdio"));
  gitgate::testing::FdStream stream;
  gitgate::git::ReceivePackRequest request;
  request.repository = argv[1];
  request.protocol_version = gitgate::testing::protocol_version();
  request.pusher = {"alice", 42, "192.0.2.7:50000", "req-1"};
  request.settings.auto_maintenance = false;
  if (const char* ms = env("RECEIVE_PACK_STDIO_KEEPALIVE_MS")) {
    request.keepalive = std::chrono::milliseconds(std::atoi(ms));
  }
  if (const char* bytes = env("RECEIVE_PACK_STDIO_MAX_PACK_BYTES")) {
    request.settings.max_pack_bytes = std::strtoull(bytes, nullptr, 10);
  }
  if (const char* s = env("RECEIVE_PACK_STDIO_HOOK_TIMEOUT_S")) {
    request.settings.hook_timeout = std::chrono::seconds(std::atoi(s));
  }
  request.settings.fsck = env("RECEIVE_PACK_STDIO_FSCK") == nullptr ||
                          std::string_view(env("RECEIVE_PACK_STDIO_FSCK")) != "0";
  request.settings.hooks = env("RECEIVE_PACK_STDIO_HOOKS") == nullptr ||
                           std::string_view(env("RECEIVE_PACK_STDIO_HOOKS")) != "0";
  request.settings.auto_maintenance = env("RECEIVE_PACK_STDIO_MAINTENANCE") != nullptr;
  const auto result = gitgate::git::serve_receive_pack(request, stream);
  gitgate::testing::append_result("RECEIVE_PACK_STDIO_LOG", result);
  return result.exit_status;
}
