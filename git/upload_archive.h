// git-upload-archive, server side (builtin/upload-archive.c, archive.c): the client's
// `git archive --remote` arguments, checked as git checks a remote's, answered with
// ACK and the archive over side-band-64k, or NACK and the reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "git/stream.h"

namespace gitgate::git {

struct UploadArchiveRequest {
  std::filesystem::path repository;  // resolved, existing repository directory
};

struct UploadArchiveResult {
  int exit_status = 0;  // 0 ok, 128 fatal (sent to the client as exit-status)
  // Access-log labels: "archive", "protocol:0" (git's client never asks for another).
  std::vector<std::string> labels;
  std::string error;  // for the diagnostic log when exit_status != 0
};

// Serves one upload-archive request to completion over stream.
UploadArchiveResult serve_upload_archive(const UploadArchiveRequest& request, Stream& stream);

}  // namespace gitgate::git
