// upload_pack_stdio REPOSITORY — serve_upload_pack on stdin/stdout/stderr, the way
// git runs an upload-pack program (`git clone --upload-pack=upload_pack_stdio`):
// end-to-end tests with the real git client and no SSH. GIT_PROTOCOL selects the version,
// UPLOAD_PACK_STDIO_KEEPALIVE_MS the keepalive interval, UPLOAD_PACK_STDIO_CACHE_DIR a pack
// cache directory (default limits, no free-space floor).
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "git/pack/pack_file.h"
#include "git/upload_pack.h"

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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: upload_pack_stdio REPOSITORY\n");
    return 2;
  }
  // stdout carries the protocol: diagnostics (the pack writer's, the pack cache's) go to
  // stderr, as in the server.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("upload_pack_stdio"));
  FdStream stream;
  gitgate::git::UploadPackRequest request{argv[1], protocol_version()};
  // Tests shorten the keepalive interval to see the client accept keepalives.
  if (const char* ms = std::getenv("UPLOAD_PACK_STDIO_KEEPALIVE_MS")) {
    request.keepalive = std::chrono::milliseconds(std::atoi(ms));
  }
  std::unique_ptr<gitgate::git::PackCache> cache;
  if (const char* dir = std::getenv("UPLOAD_PACK_STDIO_CACHE_DIR")) {
    gitgate::git::PackCacheOptions options;
    options.directory = dir;
    options.min_free_bytes = 0;
    auto opened = gitgate::git::PackCache::open(std::move(options));
    if (auto* error = std::get_if<gitgate::git::PackCacheError>(&opened)) {
      std::fprintf(stderr, "upload_pack_stdio: %s\n", error->message.c_str());
      return 2;
    }
    cache = std::move(std::get<std::unique_ptr<gitgate::git::PackCache>>(opened));
    request.cache = cache.get();
  }
  const auto result = gitgate::git::serve_upload_pack(request, stream);
  if (const char* log = std::getenv("UPLOAD_PACK_STDIO_LOG")) {
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
