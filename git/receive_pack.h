// git-receive-pack, server side (gitprotocol-pack "Pushing Data To a Server",
// git-receive-pack(1)): ref advertisement, update request, pack into a quarantine,
// checks, hooks, ref updates under lock files, report-status. Push has no protocol v2:
// a client that asks for it is answered in v0 (v1 when it asked for 1), as git does.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "git/cache/pack_cache.h"
#include "git/push_settings.h"
#include "git/request_labels.h"
#include "git/stream.h"

namespace gitgate::git {

// Who pushes, for the hooks' environment (GITGATE_*) and their messages.
struct Pusher {
  std::string user_name;
  uint64_t user_id = 0;
  std::string client_address;  // the real client (from the PROXY header), as logged
  std::string request_id;      // the access log's request id
};

struct ReceivePackRequest {
  std::filesystem::path repository;  // resolved, existing repository directory
  int protocol_version = 0;          // from GIT_PROTOCOL: 0, 1 or 2 (2 answered as 0)
  Pusher pusher;
  PushSettings settings;
  // While the pack is indexed, checked or hooks run: an empty band-1 packet after this
  // long without output (git's receive.keepAlive, 5 s), when the client has side-band.
  std::chrono::milliseconds keepalive{5000};
  // The server's pack cache. A push needs to tell it nothing: an entry's key covers every
  // ref (name and id, pack_cache_key.h), so once refs moved a clone computes a new key and
  // is never served a pack of the old refs; old entries age out by ttl and LRU.
  PackCache* cache = nullptr;
  // Where the access-log labels go as soon as they are known (see ReceivePackResult); the
  // caller reads them whenever the request ends. Null: the session keeps its own.
  RequestLabels* labels = nullptr;
};

struct ReceivePackResult {
  int exit_status = 0;  // 0 when the request was read and answered, 128 fatal
  // The access-log labels at the end, in byte order (those of request.labels when given):
  // "push", "protocol:N" (the version spoken), "atomic" (the client asked for it) and,
  // where something was refused, "rejected" (some ref, or the pack).
  std::vector<std::string> labels;
  uint64_t pack_bytes = 0;  // pack bytes received (the access log's bytes read)
  std::string error;        // for the diagnostic log when exit_status != 0 or refs were refused
};

// Serves one receive-pack request to completion over stream.
ReceivePackResult serve_receive_pack(const ReceivePackRequest& request, Stream& stream);

}  // namespace gitgate::git
