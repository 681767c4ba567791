// git-upload-pack, server side (gitprotocol-pack, gitprotocol-v2,
// gitprotocol-capabilities): ref advertisement, negotiation, pack.
#pragma once

#include <cstdint>

#include "git/protocol/upload_pack_request.h"
#include "git/stream.h"

namespace gitgate::git {

// Serves one upload-pack request to completion over stream.
UploadPackResult serve_upload_pack(const UploadPackRequest& request, Stream& stream);

// The pack-generation queue (one slot per core, held while counting and writing a pack
// and during the walks that check wants and haves): requests holding a slot, and
// waiting for one. For the metrics (gitgate_pack_generations).
struct PackGenerations {
  int64_t running = 0;
  int64_t queued = 0;
};
[[nodiscard]] PackGenerations pack_generations();

}  // namespace gitgate::git
