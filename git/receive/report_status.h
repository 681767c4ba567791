// The push's report (gitprotocol-pack "Report Status"):
//   report-status     = unpack-status 1*(command-status) flush-pkt
//   unpack-status     = PKT-LINE("unpack" SP unpack-result)
//   unpack-result     = "ok" / error-msg
//   command-status    = command-ok / command-fail
//   command-ok        = PKT-LINE("ok" SP refname)
//   command-fail      = PKT-LINE("ng" SP refname SP error-msg)
// report-status-v2 adds "option" lines after an "ok" when a ref was rewritten (git's
// proc-receive); nothing here rewrites refs, so both versions read the same.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "git/receive/push_command.h"

namespace gitgate::git::detail {

// The report as pkt-lines ending with a flush. unpack_error: nullopt for "unpack ok".
std::string encode_report(const std::optional<std::string>& unpack_error,
                          const std::vector<PushCommand>& commands);

}  // namespace gitgate::git::detail
