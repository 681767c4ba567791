// upload-pack in protocol v2 (gitprotocol-v2): the capability advertisement, then
// ls-refs, fetch and object-info commands until the client is done.
#pragma once

#include "git/protocol/upload_pack_request.h"
#include "git/stream.h"

namespace gitgate::git::detail {

UploadPackResult serve_upload_pack_v2(const UploadPackRequest& request, Stream& stream);

}  // namespace gitgate::git::detail
