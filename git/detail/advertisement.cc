#include "git/detail/advertisement.h"

#include <algorithm>

#include "git/detail/libgit2.h"
#include "git/pktline.h"

namespace gitgate::git::detail {
namespace {

// Only what we honour. ofs-delta and thin-pack only permit the server to use offset
// deltas and to leave out delta bases the client has.
constexpr std::string_view kCapabilities =
    "multi_ack thin-pack side-band side-band-64k ofs-delta shallow deepen-since deepen-not "
    "deepen-relative no-progress include-tag multi_ack_detailed allow-tip-sha1-in-want "
    "allow-reachable-sha1-in-want no-done filter";
constexpr std::string_view kTrailingCapabilities = "object-format=sha1 agent=gitgate/0.1";

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

std::string advertised_capabilities(const RefSet& refs) {
  std::string caps(kCapabilities);
  if (!refs.head_target.empty() && !refs.refs.empty() && refs.refs.front().name == "HEAD") {
    caps += " symref=HEAD:" + refs.head_target;
  }
  caps += ' ';
  caps += kTrailingCapabilities;
  return caps;
}

std::string encode_advertisement(const RefSet& refs, std::string_view capabilities) {
  std::string out;
  std::string line;
  if (refs.refs.empty()) {
    line = std::string(GIT_OID_HEXSZ, '0') + " capabilities^{}";
    line.push_back('\0');
    line.append(capabilities);
    line.push_back('\n');
    pktline::append_data(out, line);
  }
  bool first = true;
  for (const AdvertisedRef& ref : refs.refs) {
    line = to_hex(ref.id) + ' ' + ref.name;
    if (first) {
      line.push_back('\0');
      line.append(capabilities);
      first = false;
    }
    line.push_back('\n');
    pktline::append_data(out, line);
    if (ref.peeled) {
      pktline::append_data(out, to_hex(*ref.peeled) + ' ' + ref.name + "^{}\n");
    }
  }
  pktline::append_flush(out);
  return out;
}

}  // namespace gitgate::git::detail
