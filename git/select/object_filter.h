// Partial clone filters (gitprotocol-capabilities "filter", git-rev-list
// "--filter=<filter-spec>"): a pure parser and the decision for one object.
#pragma once

#include <git2.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gitgate::git::detail {

struct BlobNone {};
struct BlobLimit {
  uint64_t bytes = 0;  // blobs of at least this size are left out
};
struct TreeDepth {
  uint64_t depth = 0;  // trees and blobs at this depth from the root tree or deeper are left out
};
struct ObjectType {
  git_object_t type = GIT_OBJECT_COMMIT;  // only objects of this type are sent
};
using FilterPart = std::variant<BlobNone, BlobLimit, TreeDepth, ObjectType>;

// An object is sent when every part lets it through ("combine:" is their conjunction).
struct FilterSpec {
  std::vector<FilterPart> parts;
};

// Bounds on what a client may ask for: combine: nesting and part count.
inline constexpr size_t kMaxFilterParts = 32;

//   filter-spec  =  "blob:none" / "blob:limit=" n [ "k" / "m" / "g" ] / "tree:" depth /
//                   "object:type=" ( "blob" / "tree" / "commit" / "tag" ) /
//                   "combine:" sub *( "+" sub )    ; each sub URL-encoded
// "sparse:oid=" and anything else is refused with the reason git gives.
std::variant<FilterSpec, std::string> parse_filter(std::string_view spec);

// Whether an object the walk reaches is sent. depth: for trees and blobs, the depth
// from the commit's root tree (root = 0); size: for blobs. Objects the client named
// in a want are sent whatever the filter says (git's default for provided objects).
bool filter_includes(const FilterSpec& spec, git_object_t type, uint64_t depth, uint64_t size);

// True when the walk may skip everything under a tree at depth (tree:<n> with n <= depth
// + 1 and no other part needs what is below).
bool filter_prunes_below(const FilterSpec& spec, uint64_t depth);

// Whether filter_includes needs the blob's size (a blob:limit part).
bool filter_needs_blob_size(const FilterSpec& spec);

}  // namespace gitgate::git::detail
