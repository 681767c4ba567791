#include "git/upload_archive.h"

#include <ctime>

#include "git/archive/upload_archive_session.h"
#include "git/pack/libgit2.h"

namespace gitgate::git {

UploadArchiveResult serve_upload_archive(const UploadArchiveRequest& request, Stream& stream) {
  detail::ensure_libgit2();
  const auto session = detail::run_upload_archive(request.repository, stream, std::time(nullptr));
  // upload-archive has one exchange, v0's; connect.c never asks for it in v2.
  return {session.exit_status, {"archive", "protocol:0"}, session.error};
}

}  // namespace gitgate::git
