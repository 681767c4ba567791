// git-upload-pack, server side (gitprotocol-pack, gitprotocol-v2,
// gitprotocol-capabilities): ref advertisement, negotiation, pack.
#pragma once

#include "git/protocol/upload_pack_request.h"
#include "git/stream.h"

namespace gitgate::git {

// Serves one upload-pack request to completion over stream.
UploadPackResult serve_upload_pack(const UploadPackRequest& request, Stream& stream);

}  // namespace gitgate::git
