// Object selection through a pack's reachability bitmap, as git's pack-bitmap.c does for
// upload-pack: the objects reachable from the wants, minus those reachable from the
// common commits, are bitmap ORs plus a short walk from the tips the bitmap does not
// cover (commits pushed since the last repack) down to commits it does.
#pragma once

#include <git2.h>

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "git/pack/pack_store.h"
#include "git/pack/pack_writer.h"
#include "git/pack/refs.h"
#include "git/select/object_selection.h"

namespace gitgate::git::detail {

// nullopt when this cannot answer the request: a shallow boundary or a filter, or common
// commits in a repository without a bitmap (select_objects then walks as git does without
// bitmaps). A clone of a repository without a bitmap is answered by the same walk, with
// bits over the largest pack in place of hash sets. Otherwise the object set, in pack
// order, or why it could not be computed. With request.thin_pack and common commits (and
// no filter), the set's client_has answers from everything those commits reach.
//
// Where select_objects subtracts only what the common commits' own trees hold, this
// subtracts everything reachable from them: the client has all of it (the premise of
// negotiation), so the pack is smaller, never missing anything.
std::optional<std::variant<ObjectSet, std::string>> select_with_bitmap(
    git_repository* repo, const std::shared_ptr<const pack::PackStore>& store, const RefSet& refs,
    const FetchRequest& request);

// Whether each of ids is reachable from roots, answered from the pack's reachability
// bitmap (the roots' bitmaps ORed, plus a walk from roots it does not cover): one bit
// test per id instead of a walk over history. nullopt when the repository has no bitmap.
std::optional<std::variant<std::vector<bool>, std::string>> reachable_by_bitmap(
    git_repository* repo, const std::shared_ptr<const pack::PackStore>& store,
    const std::vector<git_oid>& roots, const std::vector<git_oid>& ids);

}  // namespace gitgate::git::detail
