// Feeds arbitrary bytes to object_links as each object type (the first byte picks it);
// checks that a parsed tree's links are each a tree or a blob and no more than its bytes
// allow, that a commit's first link is its tree and the others commits, and that a tag
// has exactly one link.
#include <cstddef>
#include <cstdint>
#include <span>

#include "git/receive/object_links.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace detail = gitgate::git::detail;
using gitgate::fuzz::check;

constexpr git_object_t kTypes[] = {GIT_OBJECT_COMMIT, GIT_OBJECT_TREE, GIT_OBJECT_TAG,
                                   GIT_OBJECT_BLOB};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const git_object_t type = kTypes[data[0] % 4];
  const std::span<const uint8_t> body(data + 1, size - 1);
  const auto links = detail::object_links(type, body);
  if (!links) {
    return 0;
  }
  switch (type) {
    case GIT_OBJECT_TREE:
      // Each entry is at least a mode digit, SP, NUL and 20 bytes.
      check(links->size() * 23 <= body.size());
      for (const auto& link : *links) {
        check(link.kind == detail::LinkKind::kTree || link.kind == detail::LinkKind::kBlob);
      }
      break;
    case GIT_OBJECT_COMMIT:
      check(!links->empty() && links->front().kind == detail::LinkKind::kTree);
      for (size_t i = 1; i < links->size(); ++i) {
        check((*links)[i].kind == detail::LinkKind::kCommit);
      }
      break;
    case GIT_OBJECT_TAG:
      check(links->size() == 1);
      break;
    default:
      check(links->empty());
  }
  return 0;
}
