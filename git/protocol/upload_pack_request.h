// One upload-pack request as the server hands it over, and what became of it.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "git/cache/pack_cache.h"
#include "git/request_labels.h"
#include "git/request_limits.h"

namespace gitgate::git {

struct UploadPackRequest {
  std::filesystem::path repository;  // resolved, existing repository directory
  int protocol_version = 0;          // from GIT_PROTOCOL: 0, 1 or 2
  // With side-band, an empty keepalive packet after this long without output while the
  // pack is being prepared (git's uploadpack.keepalive, 5 s).
  std::chrono::milliseconds keepalive{5000};
  // Shared by all requests of the server; clones are served from it when set.
  PackCache* cache = nullptr;
  RequestLimits limits{};
  // Where the access-log labels go as soon as they are known (see UploadPackResult); the
  // caller reads them whenever the request ends. Null: the session keeps its own.
  RequestLabels* labels = nullptr;
};

struct UploadPackResult {
  int exit_status = 0;  // 0 ok, 128 fatal (sent to the client as exit-status)
  // The access-log labels at the end, in byte order (those of request.labels when given):
  // "cache:hit" / "cache:miss" for a pack a cache could answer, "clone" (a pack for a
  // client with no haves) / "fetch" / "refs" (refs only), "protocol:N" (the version
  // spoken: a v2 request is answered in v2), "shallow" for shallow or deepen requests
  // (git/protocol/upload_pack_labels.h says when each is known).
  std::vector<std::string> labels;
  std::string error;  // for the diagnostic log when exit_status != 0
};

}  // namespace gitgate::git
