#include "git/receive/push_advertisement.h"

#include <filesystem>
#include <fstream>
#include <unordered_set>

#include "git/pack/libgit2.h"
#include "git/protocol/advertisement.h"
#include "git/receive/receive_config.h"

namespace gitgate::git::detail {

std::string push_capabilities() {
  // git's show_ref() order; push-options is advertised unconditionally (git needs
  // receive.advertisePushOptions): the hooks see them, and the limits bound them.
  std::string caps =
      "report-status report-status-v2 delete-refs side-band-64k quiet atomic ofs-delta "
      "push-options object-format=sha1 ";
  caps += kAgentCapability;
  return caps;
}

RefSet visible_push_refs(const RefSet& refs, const std::vector<std::string>& hide_refs) {
  RefSet out;
  out.head_target = refs.head_target;
  for (const AdvertisedRef& ref : refs.refs) {
    // receive-pack lists refs with for_each_ref: HEAD is not among them.
    if (ref.name == "HEAD" || ref_is_hidden(ref.name, hide_refs)) {
      continue;
    }
    out.refs.push_back({ref.name, ref.id, std::nullopt});
  }
  return out;
}

std::vector<git_oid> alternate_tips(git_repository* repo, const RefSet& visible) {
  std::unordered_set<git_oid, OidHash, OidEqual> seen;
  for (const AdvertisedRef& ref : visible.refs) {
    seen.insert(ref.id);
  }
  std::vector<git_oid> tips;
  const std::filesystem::path objects =
      std::filesystem::path(git_repository_commondir(repo)) / "objects";
  std::ifstream alternates(objects / "info" / "alternates");
  std::string line;
  while (std::getline(alternates, line)) {
    while (line.size() > 1 && line.back() == '/') {
      line.pop_back();
    }
    if (line.empty() || line.front() == '#') {
      continue;
    }
    // git: a relative entry is relative to this object directory; the alternate's refs
    // are those of the repository around its object directory.
    const std::filesystem::path dir = (objects / line).lexically_normal();
    git_repository* raw = nullptr;
    if (git_repository_open_ext(&raw, dir.parent_path().c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH,
                                nullptr) != 0) {
      continue;  // git skips an alternate that is not a repository
    }
    const RepositoryPtr alternate(raw);
    // Ids only (git's default core.alternateRefsCommand is for-each-ref's objectname): no
    // peeling, no symbolic refs, for a parent repository may have many refs.
    git_reference_iterator* raw_iter = nullptr;
    if (git_reference_iterator_new(&raw_iter, alternate.get()) != 0) {
      continue;
    }
    const RefIteratorPtr iter(raw_iter);
    git_reference* raw_ref = nullptr;
    while (git_reference_next(&raw_ref, iter.get()) == 0) {
      const ReferencePtr ref(raw_ref);
      const git_oid* id = git_reference_target(raw_ref);
      if (id != nullptr && seen.insert(*id).second) {
        tips.push_back(*id);
      }
    }
  }
  return tips;
}

std::string encode_push_advertisement(const RefSet& visible, const std::vector<git_oid>& haves) {
  RefSet plain;
  plain.refs.reserve(visible.refs.size() + haves.size());
  for (const AdvertisedRef& ref : visible.refs) {
    plain.refs.push_back({ref.name, ref.id, std::nullopt});  // no "^{}" lines in a push
  }
  for (const git_oid& id : haves) {
    plain.refs.push_back({".have", id, std::nullopt});
  }
  return encode_advertisement(plain, push_capabilities());
}

}  // namespace gitgate::git::detail
