#include "git/upload_archive.h"

#include <ctime>

#include "git/archive/upload_archive_session.h"
#include "git/pack/libgit2.h"

namespace gitgate::git {

UploadArchiveResult serve_upload_archive(const UploadArchiveRequest& request, Stream& stream) {
  detail::ensure_libgit2();
  const auto session = detail::run_upload_archive(request.repository, stream, std::time(nullptr));
  return {session.exit_status, {"archive"}, session.error};
}

}  // namespace gitgate::git
