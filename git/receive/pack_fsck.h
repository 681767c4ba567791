// receive.fsckObjects for a pushed pack: every object of it through fsck_object (git's
// index-pack --strict), before any check that trusts its contents.
#pragma once

#include <git2.h>

#include <functional>
#include <optional>
#include <string>

namespace gitgate::git::detail {

// pushed: the pushed pack's objects alone. nullopt when all pass; else the first problem
// as git words it, "object <hex>: hasDotgit: contains '.git'", or why an object could not
// be read. tick is called between objects (the caller's keepalive and progress).
std::optional<std::string> fsck_pushed_objects(git_odb* pushed, const std::function<void()>& tick);

}  // namespace gitgate::git::detail
