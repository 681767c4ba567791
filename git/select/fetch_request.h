// What a fetch asks for once negotiation is over, whichever protocol version carried it:
// the objects to send (wants minus what the client has), and how the pack may encode them.
#pragma once

#include <git2.h>

#include <vector>

#include "git/select/object_filter.h"
#include "git/select/shallow.h"

namespace gitgate::git::detail {

struct FetchRequest {
  std::vector<git_oid> wants;
  std::vector<git_oid> common;
  bool include_tag = false;
  bool ofs_delta = false;                // the client accepts OFS_DELTA entries
  bool thin_pack = false;                // the client accepts a thin pack
  const ShallowPlan* shallow = nullptr;  // with a shallow boundary
  const FilterSpec* filter = nullptr;
};

// The commits whose parents selection does not follow; null without a shallow boundary.
inline const OidSet* shallow_cut(const FetchRequest& request) {
  return request.shallow != nullptr ? &request.shallow->cut : nullptr;
}

}  // namespace gitgate::git::detail
