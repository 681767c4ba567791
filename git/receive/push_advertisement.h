// receive-pack's reference advertisement (gitprotocol-pack "Reference Discovery", git's
// write_head_info): every ref under refs/ that is not hidden, without HEAD and without
// peeled "^{}" lines, the capabilities on the first line, "capabilities^{}" with the
// zero id when there is no ref to show.
#pragma once

#include <string>
#include <vector>

#include "git/pack/refs.h"

namespace gitgate::git::detail {

// What receive-pack may be asked for (all of it honoured): report-status
// report-status-v2 delete-refs side-band-64k quiet atomic ofs-delta push-options
// object-format=sha1 agent=...
std::string push_capabilities();

// The refs a push sees: refs minus HEAD and those hide_refs hides (ref_is_hidden).
RefSet visible_push_refs(const RefSet& refs, const std::vector<std::string>& hide_refs);

// The advertisement as pkt-lines ending with a flush, for visible (visible_push_refs).
std::string encode_push_advertisement(const RefSet& visible);

}  // namespace gitgate::git::detail
