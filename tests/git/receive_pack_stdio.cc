// receive_pack_stdio REPOSITORY — serve_receive_pack on stdin/stdout/stderr, the way git
// runs a receive-pack program (`git push --receive-pack=receive_pack_stdio`): tests with
// the real git client and no SSH. GIT_PROTOCOL selects the version; RECEIVE_PACK_STDIO_*
// set what the server's config would: KEEPALIVE_MS, MAX_PACK_BYTES, FSCK=0, HOOKS=0,
// HOOK_TIMEOUT_S, MAINTENANCE=1 (off by default: this process ends with the push); LOG
// appends each ReceivePackResult to a file.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "git/pack/pack_file.h"
#include "git/receive_pack.h"

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

// GIT_PROTOCOL is colon-separated key[=value] items; "version=N" picks the protocol.
int protocol_version() {
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

const char* env(const char* name) { return std::getenv(name); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: receive_pack_stdio REPOSITORY\n");
    return 2;
  }
  spdlog::set_default_logger(spdlog::stderr_logger_mt("receive_pack_stdio"));
  FdStream stream;
  gitgate::git::ReceivePackRequest request;
  request.repository = argv[1];
  request.protocol_version = protocol_version();
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
  if (const char* log = env("RECEIVE_PACK_STDIO_LOG")) {
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
