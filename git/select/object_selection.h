// Which objects a pack carries: everything reachable from the wants that is not
// reachable from the common commits (the boundary's trees are subtracted, as git's
// mark_edges_uninteresting does), plus annotated tags for include-tag; a shallow
// boundary stops the walk and a filter leaves objects out.
#pragma once

#include <git2.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "git/pack/pack_store.h"
#include "git/pack/pack_writer.h"
#include "git/pack/refs.h"
#include "git/select/object_filter.h"
#include "git/select/shallow.h"

namespace gitgate::git::detail {

struct SelectionRequest {
  std::vector<git_oid> wants;   // validated: every id exists
  std::vector<git_oid> common;  // haves we share with the client
  bool include_tag = false;     // add annotated tags whose target is sent
  // Shallow fetches: commits whose parents are not followed (both for what is sent and
  // for what the client has). Empty: libgit2's revision walk is used as is.
  const OidSet* cut = nullptr;
  const FilterSpec* filter = nullptr;  // partial clone; wanted objects are sent regardless
  // The client accepts a thin pack: the set says which objects it has (ObjectSet::client_has).
  bool thin_pack = false;
  // The repository's packs; repository_packs(repo) when null.
  std::shared_ptr<const pack::PackStore> packs = nullptr;
};

// The object set, or the reason it could not be computed (a server-side fault). Answered
// from a reachability bitmap when the repository has one (select/bitmap_selection.h),
// else by walking commits and trees.
std::variant<ObjectSet, std::string> select_objects(git_repository* repo, const RefSet& refs,
                                                    const SelectionRequest& request);

}  // namespace gitgate::git::detail
