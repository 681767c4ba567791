// Feeds arbitrary bytes to fsck_object as the body of each object type. Beyond not
// crashing or reading out of bounds: a blob always passes, an object that passes starts
// the way its type must, a refusal names git's message id and text, and the same body
// gets the same verdict twice.
#include <string_view>

#include "git/receive/fsck.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace detail = gitgate::git::detail;

using gitgate::fuzz::check;

bool same(const std::optional<detail::FsckProblem>& a,
          const std::optional<detail::FsckProblem>& b) {
  if (!a || !b) {
    return !a && !b;
  }
  return a->id == b->id && a->message == b->message;
}

void check_type(git_object_t type, std::span<const uint8_t> body) {
  const auto problem = detail::fsck_object(type, body);
  check(same(problem, detail::fsck_object(type, body)));
  const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  if (problem) {
    check(!problem->id.empty() && !problem->message.empty());
    const git_oid id{};
    check(detail::fsck_message(id, *problem).ends_with(problem->id + ": " + problem->message));
    return;
  }
  switch (type) {
    case GIT_OBJECT_COMMIT:
      check(text.starts_with("tree ") && text.find('\0') == std::string_view::npos);
      break;
    case GIT_OBJECT_TAG:
      check(text.starts_with("object "));
      break;
    case GIT_OBJECT_TREE:  // empty, or at least one "<mode> <name>\0<20-byte id>"
      check(text.empty() || text.size() >= 23);
      break;
    default:
      break;
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> body(data, size);
  for (const git_object_t type :
       {GIT_OBJECT_COMMIT, GIT_OBJECT_TREE, GIT_OBJECT_TAG, GIT_OBJECT_BLOB}) {
    check_type(type, body);
  }
  check(!detail::fsck_object(GIT_OBJECT_BLOB, body));
  return 0;
}
