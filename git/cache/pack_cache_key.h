// The pack cache key: everything that decides which objects a pack holds and how they
// are encoded, so two requests with the same key may be answered with the same bytes.
#pragma once

#include <git2.h>

#include <optional>
#include <string>
#include <string_view>

#include "git/pack/refs.h"
#include "git/select/fetch_request.h"

namespace gitgate::git::detail {

// Whether a request is worth caching: a clone (no common commits). Shallow and filtered
// clones are cached too; their parameters are part of the key.
bool cacheable(const FetchRequest& request);

// Hex SHA-256 over: a format version, the object format, the repository's canonical path,
// HEAD's target and every ref (name, oid, peeled oid) in order, the sorted wants and
// common commits, include-tag, ofs-delta, thin-pack, the shallow plan (boundary, extra wants and
// haves) and the filter parts. A push changes a ref, hence the key. nullopt when
// OpenSSL fails.
std::optional<std::string> pack_cache_key(std::string_view repository, const RefSet& refs,
                                          const FetchRequest& request);

}  // namespace gitgate::git::detail
