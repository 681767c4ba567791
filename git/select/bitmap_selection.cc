#include "git/select/bitmap_selection.h"

#include <array>
#include <vector>

#include "git/pack/libgit2.h"
#include "git/select/tree_walk.h"

namespace gitgate::git::detail {
namespace {

std::span<const uint8_t, pack::kOidSize> bytes_of(const git_oid& id) {
  return std::span<const uint8_t, pack::kOidSize>(id.id, pack::kOidSize);
}

// The objects one side reaches: bits of the bitmapped pack, and a set (kept in the order
// found) for objects outside it, loose or in other packs.
struct Reach {
  explicit Reach(size_t objects) : bits(objects) {}
  pack::Bitset bits;
  OidSet extra;
  std::vector<std::pair<git_oid, git_object_t>> extra_order;
};

bool reaches(const pack::Pack& pack, const Reach& reach, const git_oid& id) {
  const auto position = pack.index().find(bytes_of(id));
  return position ? reach.bits.test(pack.rank(*position)) : reach.extra.count(id) > 0;
}

class BitmapWalk {
 public:
  // Without a bitmap (pack.bitmap() is nullptr) every object is found by walking, and
  // the bits only replace hash sets.
  BitmapWalk(git_repository* repo, const pack::Pack& pack)
      : repo_(repo), pack_(pack), bitmap_(pack.bitmap()), scratch_(pack.index().size()) {}

  // Adds to reach everything reachable from roots, without descending into what stop
  // holds (the client's side, when computing what it lacks).
  std::optional<std::string> add(const std::vector<git_oid>& roots, Reach& reach,
                                 const Reach* stop);
  bool has(const Reach& reach, const git_oid& id) const { return reaches(pack_, reach, id); }
  void mark(Reach& reach, const git_oid& id, git_object_t type) const {
    if (const auto position = pack_.index().find(bytes_of(id))) {
      reach.bits.set(pack_.rank(*position));
    } else if (reach.extra.insert(id).second) {
      reach.extra_order.emplace_back(id, type);
    }
  }
  const pack::Pack& pack() const { return pack_; }

 private:
  bool known(const git_oid& id, const Reach& reach, const Reach* stop) const {
    return has(reach, id) || (stop != nullptr && has(*stop, id));
  }
  // ORs in the bitmap of id when it has one; false when it has none.
  bool add_bitmap(const git_oid& id, Reach& reach) {
    if (bitmap_ == nullptr) {
      return false;
    }
    const auto position = pack_.index().find(bytes_of(id));
    const auto entry = position ? bitmap_->entry_for(*position) : std::nullopt;
    if (!entry) {
      return false;
    }
    bitmap_->reachable_into(*entry, reach.bits, scratch_);
    return true;
  }
  std::optional<std::string> add_tree(const git_oid& id, Reach& reach, const Reach* stop);

  git_repository* repo_;
  const pack::Pack& pack_;
  const pack::PackBitmap* bitmap_;
  pack::Bitset scratch_;
};

// First the roots that have a bitmap, so that the walk from the others stops as soon as
// it reaches history already covered. Commits found by the walk get their trees added
// last, for the same reason: by then most subtrees are known.
std::optional<std::string> BitmapWalk::add(const std::vector<git_oid>& roots, Reach& reach,
                                           const Reach* stop) {
  std::vector<git_oid> pending;
  for (const git_oid& id : roots) {
    if (!known(id, reach, stop) && !add_bitmap(id, reach)) {
      pending.push_back(id);
    }
  }
  std::vector<git_oid> trees;  // of the commits walked
  while (!pending.empty()) {
    const git_oid id = pending.back();
    pending.pop_back();
    if (known(id, reach, stop) || add_bitmap(id, reach)) {
      continue;
    }
    git_object* raw = nullptr;
    if (git_object_lookup(&raw, repo_, &id, GIT_OBJECT_ANY) != 0) {
      return last_error("cannot read an object");
    }
    const ObjectPtr object(raw);
    switch (git_object_type(object.get())) {
      case GIT_OBJECT_COMMIT: {
        mark(reach, id, GIT_OBJECT_COMMIT);
        const auto* commit = reinterpret_cast<const git_commit*>(object.get());
        trees.push_back(*git_commit_tree_id(commit));
        for (unsigned i = 0; i < git_commit_parentcount(commit); ++i) {
          pending.push_back(*git_commit_parent_id(commit, i));
        }
        break;
      }
      case GIT_OBJECT_TAG:
        mark(reach, id, GIT_OBJECT_TAG);
        pending.push_back(*git_tag_target_id(reinterpret_cast<const git_tag*>(object.get())));
        break;
      case GIT_OBJECT_TREE:
        trees.push_back(id);
        break;
      default:
        mark(reach, id, GIT_OBJECT_BLOB);
        break;
    }
  }
  for (const git_oid& id : trees) {
    if (auto error = add_tree(id, reach, stop)) {
      return error;
    }
  }
  return std::nullopt;
}

// A tree that is known was added with everything under it, so it is not entered again.
std::optional<std::string> BitmapWalk::add_tree(const git_oid& id, Reach& reach,
                                                const Reach* stop) {
  struct Marker : TreeVisitor {
    Marker(const BitmapWalk& walk, Reach& reach, const Reach* stop)
        : walk(walk), reach(reach), stop(stop) {}
    bool enter_tree(const git_oid& tree, const std::string& /*path*/, uint64_t /*depth*/) override {
      if (walk.known(tree, reach, stop)) {
        return false;
      }
      walk.mark(reach, tree, GIT_OBJECT_TREE);
      return true;
    }
    void on_blob(const git_oid& blob, const std::string& /*path*/, uint64_t /*depth*/) override {
      if (!walk.known(blob, reach, stop)) {
        walk.mark(reach, blob, GIT_OBJECT_BLOB);
      }
    }
    const BitmapWalk& walk;
    Reach& reach;
    const Reach* stop;
  } marker(*this, reach, stop);
  return walk_tree(repo_, id, marker, false);
}

// include-tag: an annotated tag whose peeled target is sent goes along, with every tag
// layer in between that the client does not have.
void include_tags(git_repository* repo, const BitmapWalk& walk, const RefSet& refs, Reach& send,
                  const Reach& theirs) {
  for (const AdvertisedRef& ref : refs.refs) {
    if (!ref.peeled || !ref.name.starts_with("refs/tags/") || walk.has(send, ref.id) ||
        !walk.has(send, *ref.peeled)) {
      continue;
    }
    git_oid id = ref.id;
    while (!git_oid_equal(&id, &*ref.peeled) && !walk.has(theirs, id)) {
      git_tag* raw = nullptr;
      if (git_tag_lookup(&raw, repo, &id) != 0) {
        break;
      }
      const TagPtr tag(raw);
      walk.mark(send, id, GIT_OBJECT_TAG);
      id = *git_tag_target_id(tag.get());
    }
  }
}

using TypeMask = std::array<bool, 4>;  // by pack::BitmapType: commit, tree, blob, tag

size_t type_index(git_object_t type) { return static_cast<size_t>(type) - GIT_OBJECT_COMMIT; }

// The object types a filter lets through, when types are all it decides on: blob:none,
// tree:0 and object:type=, or their combination. nullopt for blob:limit and tree:<n>
// with n > 0: sizes and depths need the walk.
std::optional<TypeMask> filter_types(const FilterSpec& filter) {
  TypeMask keep{true, true, true, true};
  for (const FilterPart& part : filter.parts) {
    if (std::holds_alternative<BlobNone>(part)) {
      keep[type_index(GIT_OBJECT_BLOB)] = false;
    } else if (const auto* tree = std::get_if<TreeDepth>(&part); tree && tree->depth == 0) {
      keep[type_index(GIT_OBJECT_TREE)] = false;
      keep[type_index(GIT_OBJECT_BLOB)] = false;
    } else if (const auto* only = std::get_if<ObjectType>(&part)) {
      for (size_t t = 0; t < keep.size(); ++t) {
        keep[t] = keep[t] && t == type_index(only->type);
      }
    } else {
      return std::nullopt;
    }
  }
  return keep;
}

// Leaves in send only the types keep allows, then puts back what the client named in its
// wants (and the tag layers down from them), which is sent whatever the filter says.
std::optional<std::string> apply_filter(git_repository* repo, const BitmapWalk& walk,
                                        const TypeMask& keep, const std::vector<git_oid>& wants,
                                        Reach& send, const Reach& theirs) {
  const pack::PackBitmap& bitmap = *walk.pack().bitmap();
  pack::Bitset allowed(send.bits.size());
  for (size_t t = 0; t < keep.size(); ++t) {
    if (keep[t]) {
      pack::xor_into(bitmap.type(static_cast<pack::BitmapType>(t)), allowed);  // disjoint
    }
  }
  allowed.clear_tail();
  send.bits.and_with(allowed);
  std::erase_if(send.extra_order, [&](const std::pair<git_oid, git_object_t>& extra) {
    const bool drop = !keep[type_index(extra.second)];
    if (drop) {
      send.extra.erase(extra.first);
    }
    return drop;
  });
  for (git_oid id : wants) {
    while (!walk.has(theirs, id)) {
      git_object* raw = nullptr;
      if (git_object_lookup(&raw, repo, &id, GIT_OBJECT_ANY) != 0) {
        return last_error("cannot read a wanted object");
      }
      const ObjectPtr object(raw);
      const git_object_t type = git_object_type(object.get());
      walk.mark(send, id, type);
      if (type != GIT_OBJECT_TAG) {
        break;
      }
      id = *git_tag_target_id(reinterpret_cast<const git_tag*>(object.get()));
    }
  }
  return std::nullopt;
}

ObjectSet to_object_set(const BitmapWalk& walk, const Reach& send) {
  ObjectSet set;
  set.objects.reserve(send.bits.count() + send.extra_order.size());
  const pack::Pack& pack = walk.pack();
  send.bits.for_each([&](size_t rank) {
    PackObject object;
    const auto oid = pack.index().oid(pack.position_of_rank(static_cast<uint32_t>(rank)));
    std::copy(oid.begin(), oid.end(), object.id.id);
    set.objects.push_back(std::move(object));
  });
  for (const auto& [id, type] : send.extra_order) {
    set.objects.push_back(PackObject{id, ""});
  }
  return set;
}

}  // namespace

std::optional<std::variant<ObjectSet, std::string>> select_with_bitmap(
    git_repository* repo, const std::shared_ptr<const pack::PackStore>& store, const RefSet& refs,
    const FetchRequest& request) {
  std::optional<TypeMask> keep;
  if (request.filter != nullptr) {
    keep = filter_types(*request.filter);
    if (!keep) {
      return std::nullopt;
    }
  }
  if (const OidSet* cut = shallow_cut(request); cut != nullptr && !cut->empty()) {
    return std::nullopt;
  }
  const pack::Pack* pack = store->bitmapped();
  if (pack == nullptr) {
    if (keep) {
      return std::nullopt;  // the type bitmaps are missing too
    }
    // Without a bitmap, all the client has is known only by walking all of it; the
    // edge-based walk of object_selection is cheaper then. A clone has nothing to
    // subtract, and bits over the largest pack are cheaper than its hash sets.
    if (!request.common.empty() || store->packs().empty()) {
      return std::nullopt;
    }
    pack = &store->packs().front();
  }
  BitmapWalk walk(repo, *pack);
  const size_t objects = pack->index().size();
  const auto their_reach = std::make_shared<Reach>(objects);
  Reach& theirs = *their_reach;
  // Only commits the client has say what else it has (a have of another type is ignored,
  // as the walk does).
  std::vector<git_oid> common;
  for (const git_oid& id : request.common) {
    git_object_t type = GIT_OBJECT_INVALID;
    git_object* object = nullptr;
    if (git_object_lookup(&object, repo, &id, GIT_OBJECT_ANY) == 0) {
      type = git_object_type(object);
      git_object_free(object);
    }
    if (type == GIT_OBJECT_COMMIT) {
      common.push_back(id);
    }
  }
  if (auto error = walk.add(common, theirs, nullptr)) {
    return *error;
  }
  Reach send(objects);
  if (auto error = walk.add(request.wants, send, &theirs)) {
    return *error;
  }
  send.bits.and_not(theirs.bits);
  if (keep) {
    if (auto error = apply_filter(repo, walk, *keep, request.wants, send, theirs)) {
      return *error;
    }
  }
  if (request.include_tag) {
    include_tags(repo, walk, refs, send, theirs);
  }
  ObjectSet set = to_object_set(walk, send);
  // A thin pack may lean on what the client has. Not with a filter: a partial clone lacks
  // some of what its commits reach.
  if (request.thin_pack && !common.empty() && !keep) {
    set.client_has = [store, pack, their_reach](const git_oid& id) {
      return reaches(*pack, *their_reach, id);
    };
  }
  return set;
}

std::optional<std::variant<std::vector<bool>, std::string>> reachable_by_bitmap(
    git_repository* repo, const std::shared_ptr<const pack::PackStore>& store,
    const std::vector<git_oid>& roots, const std::vector<git_oid>& ids) {
  const pack::Pack* pack = store->bitmapped();
  if (pack == nullptr) {
    return std::nullopt;
  }
  BitmapWalk walk(repo, *pack);
  Reach reach(pack->index().size());
  if (auto error = walk.add(roots, reach, nullptr)) {
    return *error;
  }
  std::vector<bool> reachable(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    reachable[i] = walk.has(reach, ids[i]);
  }
  return reachable;
}

}  // namespace gitgate::git::detail
