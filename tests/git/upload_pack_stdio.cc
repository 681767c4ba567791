// upload_pack_stdio REPOSITORY — serve_upload_pack on stdin/stdout/stderr, the way
// git runs an upload-pack program (`git clone --upload-pack=upload_pack_stdio`):
// end-to-end tests with the real git client and no SSH. GIT_PROTOCOL selects the version,
// UPLOAD_PACK_STDIO_KEEPALIVE_MS the keepalive interval, UPLOAD_PACK_STDIO_CACHE_DIR a pack
// cache directory (default limits, no free-space floor).
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "git/upload_pack.h"
#include "tests/git/stdio_stream.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: upload_pack_stdio REPOSITORY\n");
    return 2;
  }
  // stdout carries the protocol: diagnostics (the pack writer's, the pack cache's) go to
  // stderr, as in the server.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("upload_pack_stdio"));
  gitgate::testing::FdStream stream;
  gitgate::git::UploadPackRequest request{argv[1], gitgate::testing::protocol_version()};
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
  gitgate::testing::append_result("UPLOAD_PACK_STDIO_LOG", result);
  return result.exit_status;
}
