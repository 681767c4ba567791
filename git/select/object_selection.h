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
#include "git/select/fetch_request.h"
#include "git/select/object_filter.h"
#include "git/select/shallow.h"

namespace gitgate::git::detail {

// The object set, or the reason it could not be computed (a server-side fault). Answered
// from a reachability bitmap when the repository has one (select/bitmap_selection.h),
// else by walking commits and trees.
// The shallow plan's extra wants and haves (unshallowed commits) count as the request's own;
// its cut bounds both walks. packs: the repository's packs (repository_packs(repo) when null).
std::variant<ObjectSet, std::string> select_objects(
    git_repository* repo, const RefSet& refs, const FetchRequest& request,
    std::shared_ptr<const pack::PackStore> packs = nullptr);

}  // namespace gitgate::git::detail
