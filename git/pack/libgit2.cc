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

std::optional<git_oid> peel_to_commit(git_repository* repo, const git_oid& id) {
  git_object* raw = nullptr;
  if (git_object_lookup(&raw, repo, &id, GIT_OBJECT_ANY) != 0) {
    return std::nullopt;
  }
  ObjectPtr object(raw);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, object.get(), GIT_OBJECT_COMMIT) != 0) {
    return std::nullopt;
  }
  ObjectPtr owner(peeled);
  return *git_object_id(peeled);
}

}  // namespace gitgate::git::detail
