// receive-pack's reference advertisement (gitprotocol-pack "Reference Discovery", git's
// write_head_info): every ref under refs/ that is not hidden, without HEAD and without
// peeled "^{}" lines, the capabilities on the first line, "capabilities^{}" with the
// zero id when there is no ref to show.
#pragma once

#include <git2.h>

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

// The tips of the repositories whose objects this one borrows (objects/info/alternates,
// as a fork on a Git host does), which git advertises as ".have" lines so that the client
// does not send what the alternates hold: every ref's id, once, minus those in visible.
std::vector<git_oid> alternate_tips(git_repository* repo, const RefSet& visible);

// The advertisement as pkt-lines ending with a flush, for visible (visible_push_refs),
// then "<id> .have" for each of haves.
std::string encode_push_advertisement(const RefSet& visible,
                                      const std::vector<git_oid>& haves = {});

}  // namespace gitgate::git::detail
