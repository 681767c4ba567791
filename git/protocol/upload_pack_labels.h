// What an upload-pack request is known to be, as the v0/v1 and v2 sessions learn it, put in
// the request's access-log labels (git/request_labels.h) at once: an o-line written
// whenever the request ends (answered, refused, the client gone mid-pack, the drain
// deadline) says what the request was by then.
#pragma once

#include <string>
#include <vector>

#include "git/protocol/fetch.h"
#include "git/request_labels.h"

namespace gitgate::git::detail {

// The labels (docs/DESIGN.md, access log): "protocol:N" (the version spoken); one of
// "clone" (a pack for a client with no haves), "fetch" (a pack for a client that had
// something, in any round of the session) and "refs" (refs only: ls-remote, or a fetch
// with nothing to fetch); "shallow" for a shallow or deepen request served; "cache:hit" /
// "cache:miss" of the last pack when a cache could answer it.
class UploadPackLabels {
 public:
  UploadPackLabels(RequestLabels& labels, int version);

  // The refs went out (v0's advertisement, v2's ls-refs), or the session ended without a
  // pack and without a failure: "refs", unless a pack was started.
  void refs_served();
  // The server starts sending a pack (its first section is on its way): "clone", or "fetch"
  // when this or an earlier pack of the session went to a client with haves.
  void pack_started(bool client_has_objects);
  void shallow_served();
  // Where the last pack came from, as soon as the cache knows.
  void cache_used(CacheUse use);
  // The request was refused or failed before any pack: whatever the refs were, it is
  // logged with the protocol alone ("refs" says the request was answered).
  void failed();

  [[nodiscard]] std::vector<std::string> list() const { return labels_.list(); }

 private:
  RequestLabels& labels_;
  bool pack_ = false;
  bool fetched_ = false;
};

}  // namespace gitgate::git::detail
