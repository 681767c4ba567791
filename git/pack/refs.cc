#include "git/pack/refs.h"

#include <algorithm>

#include "git/pack/libgit2.h"

namespace gitgate::git::detail {
namespace {

// A ref as advertised: symbolic refs resolved, tags peeled. nullopt for broken refs.
// Peeling reads objects, which costs a host with thousands of refs more than the rest of
// ls-refs: packed-refs' own peeled values are used when present, and an object that is
// not a tag (its type read from its header alone) needs no peeling.
std::optional<AdvertisedRef> describe(git_reference* ref, git_odb* odb) {
  git_reference* raw = nullptr;
  if (git_reference_resolve(&raw, ref) != 0) {
    return std::nullopt;
  }
  ReferencePtr resolved(raw);
  AdvertisedRef out{git_reference_name(ref), *git_reference_target(resolved.get()), std::nullopt};
  if (const git_oid* peeled = git_reference_target_peel(resolved.get())) {
    out.peeled = *peeled;
    return out;
  }
  size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  if (odb != nullptr && git_odb_read_header(&size, &type, odb, &out.id) == 0 &&
      type != GIT_OBJECT_TAG) {
    return out;
  }
  git_object* peeled = nullptr;
  if (git_reference_peel(&peeled, resolved.get(), GIT_OBJECT_ANY) == 0) {
    ObjectPtr owner(peeled);
    if (!git_oid_equal(git_object_id(peeled), &out.id)) {
      out.peeled = *git_object_id(peeled);
    }
  }
  return out;
}

void read_head(git_repository* repo, git_odb* odb, RefSet& set) {
  git_reference* raw = nullptr;
  if (git_reference_lookup(&raw, repo, "HEAD") != 0) {
    return;  // no HEAD: advertise the refs alone
  }
  ReferencePtr head(raw);
  // Kept for an unborn HEAD too: v2's ls-refs reports it ("unborn HEAD symref-target:").
  if (git_reference_type(head.get()) == GIT_REFERENCE_SYMBOLIC) {
    set.head_target = git_reference_symbolic_target(head.get());
  }
  if (auto ref = describe(head.get(), odb)) {
    set.refs.push_back(std::move(*ref));
  }
}

}  // namespace

std::variant<RefSet, std::string> read_refs(git_repository* repo) {
  RefSet set;
  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, repo) != 0) {
    return last_error("cannot open the object database");
  }
  const OdbPtr odb(raw_odb);
  read_head(repo, odb.get(), set);
  git_reference_iterator* raw_iter = nullptr;
  if (git_reference_iterator_new(&raw_iter, repo) != 0) {
    return last_error("cannot list references");
  }
  RefIteratorPtr iter(raw_iter);
  std::vector<AdvertisedRef> refs;
  git_reference* raw = nullptr;
  int rc = 0;
  while ((rc = git_reference_next(&raw, iter.get())) == 0) {
    ReferencePtr ref(raw);
    if (auto described = describe(ref.get(), odb.get())) {
      refs.push_back(std::move(*described));
    }
  }
  if (rc != GIT_ITEROVER) {
    return last_error("cannot list references");
  }
  std::sort(refs.begin(), refs.end(),
            [](const AdvertisedRef& a, const AdvertisedRef& b) { return a.name < b.name; });
  std::move(refs.begin(), refs.end(), std::back_inserter(set.refs));
  return set;
}

}  // namespace gitgate::git::detail
