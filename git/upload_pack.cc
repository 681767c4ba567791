// The version a client asked for (GIT_PROTOCOL) picks the session: v2 has its own
// command loop; v0 and v1 differ only in the "version 1" line.
#include "git/upload_pack.h"

#include "git/pack/libgit2.h"
#include "git/protocol/fetch.h"
#include "git/protocol/upload_pack_v0.h"
#include "git/protocol/upload_pack_v2.h"

namespace gitgate::git {

UploadPackResult serve_upload_pack(const UploadPackRequest& request, Stream& stream) {
  detail::ensure_libgit2();
  if (request.protocol_version == 2) {
    return detail::serve_upload_pack_v2(request, stream);
  }
  return detail::serve_upload_pack_v0(request, stream);
}

PackGenerations pack_generations() {
  const detail::PackSlotUse use = detail::pack_slot_use();
  return {use.running, use.queued};
}

}  // namespace gitgate::git
