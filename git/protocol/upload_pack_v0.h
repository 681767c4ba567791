// upload-pack in protocol v0 and v1 (gitprotocol-pack): the ref advertisement ("version 1"
// first for v1), the want list and shallow lines, negotiation, then the pack.
#pragma once

#include "git/protocol/upload_pack_request.h"
#include "git/stream.h"

namespace gitgate::git::detail {

UploadPackResult serve_upload_pack_v0(const UploadPackRequest& request, Stream& stream);

}  // namespace gitgate::git::detail
