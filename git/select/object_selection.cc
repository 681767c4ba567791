#include "git/select/object_selection.h"

#include <memory>
#include <optional>
#include <unordered_map>

#include "git/pack/libgit2.h"
#include "git/pack/repository_packs.h"
#include "git/select/bitmap_selection.h"
#include "git/select/tree_walk.h"

namespace gitgate::git::detail {
namespace {

class Selector {
 public:
  Selector(git_repository* repo, const FetchRequest& request)
      : repo_(repo), request_(request), cut_(shallow_cut(request)) {}

  std::optional<std::string> run(const RefSet& refs);
  ObjectSet take();

 private:
  std::optional<std::string> walk_commits();
  std::optional<std::string> walk_commits_with_cut();
  std::optional<std::string> add_want(const git_oid& id);
  std::optional<std::string> add_commits();
  std::optional<std::string> subtract_edges();
  std::optional<std::string> add_tree(const git_oid& id, bool provided);
  bool enter_tree(const git_oid& id, const std::string& path, uint64_t depth, bool provided);
  void add_blob(const git_oid& id, const std::string& path, uint64_t depth);
  std::optional<std::string> mark_uninteresting(const git_oid& tree_id);
  void include_tags(const RefSet& refs);
  bool is_cut(const git_oid& id) const { return cut_ != nullptr && cut_->count(id) > 0; }
  bool wanted(const git_oid& id) const { return wanted_.count(id) > 0; }
  void add(const git_oid& id, std::string path) {
    if (included_.insert(id).second) {
      out_.objects.push_back(PackObject{id, std::move(path)});
    }
  }

  git_repository* repo_;
  const FetchRequest& request_;
  const OidSet* cut_;
  OdbPtr odb_;
  std::vector<git_oid> commits_;  // in walk order
  OidSet commit_set_;
  OidSet uninteresting_;  // trees and blobs the client has
  OidSet included_;
  OidSet wanted_;  // named by the client: sent whatever the filter says
  std::unordered_map<git_oid, uint64_t, OidHash, OidEqual> tree_depth_;  // smallest seen
  std::vector<git_oid> commit_wants_;
  std::vector<git_oid> loose_wants_;  // trees and blobs asked for directly
  ObjectSet out_;
};

std::optional<std::string> Selector::run(const RefSet& refs) {
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo_) != 0) {
    return last_error("cannot open the object database");
  }
  odb_.reset(odb);
  wanted_.insert(request_.wants.begin(), request_.wants.end());
  for (const git_oid& id : request_.wants) {
    if (auto error = add_want(id)) {
      return error;
    }
  }
  auto error = cut_ != nullptr && !cut_->empty() ? walk_commits_with_cut() : walk_commits();
  if (!error) {
    error = subtract_edges();
  }
  if (!error) {
    error = add_commits();
  }
  if (error) {
    return error;
  }
  if (request_.include_tag) {
    include_tags(refs);
  }
  return std::nullopt;
}

// A thin pack may lean on the trees and blobs of the common commits at the edge of the
// walk. Not with a filter (a partial clone lacks some of them) nor a shallow boundary.
ObjectSet Selector::take() {
  const bool cut = cut_ != nullptr && !cut_->empty();
  if (request_.thin_pack && !request_.common.empty() && request_.filter == nullptr && !cut) {
    auto theirs = std::make_shared<const OidSet>(std::move(uninteresting_));
    out_.client_has = [theirs](const git_oid& id) { return theirs->count(id) > 0; };
  }
  return std::move(out_);
}

std::optional<std::string> Selector::add_commits() {
  for (const git_oid& id : commits_) {
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo_, &id) != 0) {
      return last_error("cannot read a commit");
    }
    CommitPtr commit(raw);
    if (request_.filter == nullptr || wanted(id) ||
        filter_includes(*request_.filter, GIT_OBJECT_COMMIT, 0, 0)) {
      add(id, "");
    }
    if (auto error = add_tree(*git_commit_tree_id(commit.get()), false)) {
      return error;
    }
  }
  for (const git_oid& id : loose_wants_) {
    git_object_t type = GIT_OBJECT_INVALID;
    size_t size = 0;
    if (git_odb_read_header(&size, &type, odb_.get(), &id) != 0) {
      return last_error("cannot read a wanted object");
    }
    if (type == GIT_OBJECT_BLOB) {
      add(id, "");
    } else if (auto error = add_tree(id, true)) {
      return error;
    }
  }
  return std::nullopt;
}

std::optional<std::string> Selector::walk_commits() {
  git_revwalk* raw = nullptr;
  if (git_revwalk_new(&raw, repo_) != 0) {
    return last_error("cannot walk commits");
  }
  RevwalkPtr walk(raw);
  git_revwalk_sorting(walk.get(), GIT_SORT_TIME);
  for (const git_oid& id : commit_wants_) {
    if (git_revwalk_push(walk.get(), &id) != 0) {
      return last_error("cannot walk a wanted commit");
    }
  }
  for (const git_oid& id : request_.common) {
    git_object* object = nullptr;
    if (git_object_lookup(&object, repo_, &id, GIT_OBJECT_COMMIT) == 0) {
      git_object_free(object);
      git_revwalk_hide(walk.get(), &id);  // non-commit haves say nothing about history
    }
  }
  git_oid id;
  while (!commit_wants_.empty() && git_revwalk_next(&id, walk.get()) == 0) {
    commits_.push_back(id);
    commit_set_.insert(id);
  }
  return std::nullopt;
}

// libgit2's revision walk knows no grafts, so with a shallow boundary the two sides
// are walked here: what the client has (its haves' ancestry up to the boundary), then
// what the wants reach that it lacks. The boundary commits are the last of each side.
std::optional<std::string> Selector::walk_commits_with_cut() {
  OidSet theirs;
  std::vector<git_oid> stack;
  for (const git_oid& id : request_.common) {
    git_object* object = nullptr;
    if (git_object_lookup(&object, repo_, &id, GIT_OBJECT_COMMIT) == 0) {
      git_object_free(object);
      stack.push_back(id);
    }
  }
  auto parents_of = [&](const git_oid& id, std::vector<git_oid>& into) -> bool {
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo_, &id) != 0) {
      return false;
    }
    CommitPtr commit(raw);
    for (unsigned i = 0; i < git_commit_parentcount(commit.get()); ++i) {
      into.push_back(*git_commit_parent_id(commit.get(), i));
    }
    return true;
  };
  while (!stack.empty()) {
    const git_oid id = stack.back();
    stack.pop_back();
    if (theirs.insert(id).second && !is_cut(id) && !parents_of(id, stack)) {
      return last_error("cannot read a commit");
    }
  }
  stack.assign(commit_wants_.rbegin(), commit_wants_.rend());
  while (!stack.empty()) {
    const git_oid id = stack.back();
    stack.pop_back();
    if (theirs.count(id) > 0 || !commit_set_.insert(id).second) {
      continue;
    }
    commits_.push_back(id);
    if (!is_cut(id) && !parents_of(id, stack)) {
      return last_error("cannot read a commit");
    }
  }
  return std::nullopt;
}

// Tags are added as they are; what they point at is added as a commit to walk or a
// tree/blob to send whole.
std::optional<std::string> Selector::add_want(const git_oid& id) {
  git_object* raw = nullptr;
  if (git_object_lookup(&raw, repo_, &id, GIT_OBJECT_ANY) != 0) {
    return last_error("cannot read a wanted object");
  }
  ObjectPtr object(raw);
  while (git_object_type(object.get()) == GIT_OBJECT_TAG) {
    add(*git_object_id(object.get()), "");
    git_object* target = nullptr;
    if (git_tag_target(&target, reinterpret_cast<git_tag*>(object.get())) != 0) {
      return last_error("cannot read a tag's target");
    }
    object.reset(target);
    wanted_.insert(*git_object_id(object.get()));
  }
  const git_oid& target = *git_object_id(object.get());
  if (git_object_type(object.get()) == GIT_OBJECT_COMMIT) {
    commit_wants_.push_back(target);
  } else {
    loose_wants_.push_back(target);
  }
  return std::nullopt;
}

// Parents outside the walk are commits the client has: their trees are not sent.
// A boundary commit's parents are not the client's: they are simply not followed.
std::optional<std::string> Selector::subtract_edges() {
  OidSet edges;
  for (const git_oid& id : commits_) {
    if (is_cut(id)) {
      continue;
    }
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo_, &id) != 0) {
      return last_error("cannot read a commit");
    }
    CommitPtr commit(raw);
    for (unsigned i = 0; i < git_commit_parentcount(commit.get()); ++i) {
      const git_oid* parent = git_commit_parent_id(commit.get(), i);
      if (commit_set_.count(*parent) == 0 && edges.insert(*parent).second) {
        git_commit* raw_parent = nullptr;
        if (git_commit_lookup(&raw_parent, repo_, parent) != 0) {
          return last_error("cannot read a commit");
        }
        CommitPtr parent_commit(raw_parent);
        if (auto error = mark_uninteresting(*git_commit_tree_id(parent_commit.get()))) {
          return error;
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> Selector::mark_uninteresting(const git_oid& tree_id) {
  struct Marker : TreeVisitor {
    explicit Marker(OidSet& set) : uninteresting(set) {}
    bool enter_tree(const git_oid& id, const std::string& /*path*/, uint64_t /*depth*/) override {
      return uninteresting.insert(id).second;
    }
    void on_blob(const git_oid& id, const std::string& /*path*/, uint64_t /*depth*/) override {
      uninteresting.insert(id);
    }
    OidSet& uninteresting;
  } marker(uninteresting_);
  return walk_tree(repo_, tree_id, marker, false);
}

void Selector::add_blob(const git_oid& id, const std::string& path, uint64_t depth) {
  if (uninteresting_.count(id) > 0 || included_.count(id) > 0) {
    return;
  }
  const FilterSpec* filter = request_.filter;
  size_t size = 0;
  if (filter != nullptr && filter_needs_blob_size(*filter)) {
    git_object_t type = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&size, &type, odb_.get(), &id) != 0) {
      size = SIZE_MAX;  // unreadable here: let the pack writer report it if sent
    }
  }
  if (filter == nullptr || wanted(id) || filter_includes(*filter, GIT_OBJECT_BLOB, depth, size)) {
    add(id, path);
  }
}

// Adds a tree and everything under it the client lacks and the filter lets through.
// A tree is walked again when reached closer to the root (tree:<depth> filters).
// provided: the tree was wanted by id, so it is sent whatever the filter says.
std::optional<std::string> Selector::add_tree(const git_oid& id, bool provided) {
  struct Adder : TreeVisitor {
    Adder(Selector& selector, bool provided_root) : self(selector), provided(provided_root) {}
    bool enter_tree(const git_oid& tree, const std::string& path, uint64_t depth) override {
      return self.enter_tree(tree, path, depth, provided && depth == 0);
    }
    void on_blob(const git_oid& blob, const std::string& path, uint64_t depth) override {
      self.add_blob(blob, path, depth);
    }
    Selector& self;
    bool provided;
  } adder(*this, provided);
  return walk_tree(repo_, id, adder, true);
}

// One tree of add_tree's walk: whether it goes into the pack, and whether to walk under it.
bool Selector::enter_tree(const git_oid& id, const std::string& path, uint64_t depth,
                          bool provided) {
  if (uninteresting_.count(id) > 0) {
    return false;
  }
  auto [slot, fresh] = tree_depth_.try_emplace(id, depth);
  if (!fresh) {
    if (depth >= slot->second) {
      return false;
    }
    slot->second = depth;
  }
  const FilterSpec* filter = request_.filter;
  if (filter == nullptr || provided || wanted(id) ||
      filter_includes(*filter, GIT_OBJECT_TREE, depth, 0)) {
    add(id, path);
  }
  return filter == nullptr || !filter_prunes_below(*filter, depth);
}

// include-tag: an annotated tag whose (peeled) target is in the pack goes with it,
// with every tag layer between the ref and the target.
void Selector::include_tags(const RefSet& refs) {
  for (const AdvertisedRef& ref : refs.refs) {
    if (!ref.peeled || !ref.name.starts_with("refs/tags/") || included_.count(ref.id) > 0 ||
        included_.count(*ref.peeled) == 0) {
      continue;
    }
    git_oid id = ref.id;
    while (!git_oid_equal(&id, &*ref.peeled)) {
      git_tag* raw = nullptr;
      if (git_tag_lookup(&raw, repo_, &id) != 0) {
        break;
      }
      TagPtr tag(raw);
      add(id, "");
      id = *git_tag_target_id(tag.get());
    }
  }
}

}  // namespace

std::variant<ObjectSet, std::string> select_objects(git_repository* repo, const RefSet& refs,
                                                    const FetchRequest& request,
                                                    std::shared_ptr<const pack::PackStore> packs) {
  const auto store = packs ? std::move(packs) : repository_packs(repo);
  std::optional<FetchRequest> with_extras;
  if (request.shallow != nullptr &&
      (!request.shallow->extra_wants.empty() || !request.shallow->extra_haves.empty())) {
    with_extras = request;
    auto& wants = with_extras->wants;
    auto& common = with_extras->common;
    wants.insert(wants.end(), request.shallow->extra_wants.begin(),
                 request.shallow->extra_wants.end());
    common.insert(common.end(), request.shallow->extra_haves.begin(),
                  request.shallow->extra_haves.end());
  }
  const FetchRequest& selection = with_extras ? *with_extras : request;
  if (auto answer = select_with_bitmap(repo, store, refs, selection)) {
    return std::move(*answer);
  }
  Selector selector(repo, selection);
  if (auto error = selector.run(refs)) {
    return *error;
  }
  return selector.take();
}

}  // namespace gitgate::git::detail
