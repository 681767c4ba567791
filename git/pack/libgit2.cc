#include "git/pack/libgit2.h"

namespace gitgate::git::detail {

void ensure_libgit2() {
  // Never shut down: other modules may hold libgit2 objects until exit.
  [[maybe_unused]] static const int kInitialised = git_libgit2_init();
}

std::string last_error(const char* fallback) {
  const git_error* error = git_error_last();
  return error != nullptr && error->message != nullptr ? error->message : fallback;
}

}  // namespace gitgate::git::detail
