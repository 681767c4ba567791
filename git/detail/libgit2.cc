#include "git/detail/libgit2.h"

namespace gitgate::git::detail {

void ensure_libgit2() {
  // Never shut down: other modules may hold libgit2 objects until exit.
  [[maybe_unused]] static const int kInitialised = git_libgit2_init();
}

std::string last_error(const char* fallback) {
  const git_error* error = git_error_last();
  return error != nullptr && error->message != nullptr ? error->message : fallback;
}

std::string to_hex(const git_oid& id) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, &id);
  return hex;
}

}  // namespace gitgate::git::detail
