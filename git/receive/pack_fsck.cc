#include "git/receive/pack_fsck.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <span>
#include <vector>

#include "git/pack/libgit2.h"
#include "git/receive/fsck.h"

namespace gitgate::git::detail {
namespace {

using OdbObjectPtr = std::unique_ptr<git_odb_object, Deleter<git_odb_object, git_odb_object_free>>;

int collect(const git_oid* id, void* payload) {
  static_cast<std::vector<git_oid>*>(payload)->push_back(*id);
  return 0;
}

bool is_ignored(std::string id, const std::vector<std::string>& ignored) {
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(ignored.begin(), ignored.end(), id) != ignored.end();
}

}  // namespace

std::optional<std::string> fsck_pushed_objects(git_odb* pushed,
                                               const std::vector<std::string>& ignored) {
  std::vector<git_oid> ids;
  if (git_odb_foreach(pushed, collect, &ids) != 0) {
    return "cannot list the pushed objects: " + last_error("libgit2 error");
  }
  for (const git_oid& id : ids) {
    // fsck_object passes every blob: its header alone says so, without inflating it (on
    // fmt's history this is 1.9 s of 2 s).
    size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&size, &type, pushed, &id) == 0 && type == GIT_OBJECT_BLOB) {
      continue;
    }
    git_odb_object* raw = nullptr;
    if (git_odb_read(&raw, pushed, &id) != 0) {
      return "object " + to_hex(id) + ": cannot be read: " + last_error("libgit2 error");
    }
    const OdbObjectPtr object(raw);
    const std::span<const uint8_t> body(static_cast<const uint8_t*>(git_odb_object_data(raw)),
                                        git_odb_object_size(raw));
    auto problem = fsck_object(git_odb_object_type(raw), body);
    if (problem && !is_ignored(problem->id, ignored)) {
      return fsck_message(id, *problem);
    }
  }
  return std::nullopt;
}

}  // namespace gitgate::git::detail
