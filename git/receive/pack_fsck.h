// receive.fsckObjects for a pushed pack: every object of it through fsck_object (git's
// index-pack --strict), before any check that trusts its contents.
#pragma once

#include <git2.h>

#include <optional>
#include <string>
#include <vector>

namespace gitgate::git::detail {

// pushed: the pushed pack's objects alone. nullopt when all pass; else the first problem
// as git words it, "object <hex>: hasDotgit: contains '.git'", or why an object could not
// be read. ignored: message ids in lower case that the repository lets through
// (receive.fsck.<id> = ignore or warn); fsck_object names one problem per object, so an
// ignored one hides any later problem of the same object.
std::optional<std::string> fsck_pushed_objects(git_odb* pushed,
                                               const std::vector<std::string>& ignored = {});

}  // namespace gitgate::git::detail
