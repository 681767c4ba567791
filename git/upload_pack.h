// git-upload-pack, server side (gitprotocol-pack, gitprotocol-v2,
// gitprotocol-capabilities): ref advertisement, negotiation, pack.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "git/stream.h"

namespace gitgate::git {

struct UploadPackRequest {
  std::filesystem::path repository;  // resolved, existing repository directory
  int protocol_version = 0;          // from GIT_PROTOCOL: 0, 1 or 2
};

struct UploadPackResult {
  int exit_status = 0;              // 0 ok, 128 fatal (sent to the client as exit-status)
  std::vector<std::string> labels;  // access-log labels: clone/fetch/shallow/refs, protocol:N
  std::string error;                // for the diagnostic log when exit_status != 0
};

// Serves one upload-pack request to completion over stream.
UploadPackResult serve_upload_pack(const UploadPackRequest& request, Stream& stream);

}  // namespace gitgate::git
