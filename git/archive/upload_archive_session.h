// One upload-archive exchange over a Stream: the argument packets, the checks, then
// ACK + flush and the archive on side-band-64k band 1 (names on band 2 with -v), a
// flush at the end; or "NACK <reason>" when the request is refused before any byte of
// the archive, and band 3 when writing fails half-way (builtin/upload-archive.c).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "git/stream.h"

namespace gitgate::git::detail {

struct ArchiveSessionResult {
  int exit_status = 0;
  std::string error;
};

[[nodiscard]] ArchiveSessionResult run_upload_archive(const std::filesystem::path& repository,
                                                      Stream& stream, int64_t now);

}  // namespace gitgate::git::detail
