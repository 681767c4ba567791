// The bounds of one upload-pack request (issue 9, "Bounded requests"): how many lines of
// each kind a client may send, how many bytes in all, and how long the server may think
// about them. Part of UploadPackRequest; the server fills it from the [limits] config.
#pragma once

#include <chrono>
#include <cstddef>

namespace gitgate::git {

// What one client may ask of upload-pack, for v0/v1 and v2 alike. Counts are checked as
// each line arrives, before it is stored; exceeding one ends the request with an ERR that
// names the limit, exit status 128. git itself caps none of these (but ref-prefix), so the
// defaults sit far above what git's own client sends; max_request_bytes is the memory bound.
struct RequestLimits {
  // Bytes of one request: a v2 command with its arguments, or a v0/v1 want list plus its
  // haves. A want line is 50 bytes on the wire, so 64 MiB carries ~1.3M wants (or ~1.2M
  // haves), more than max_wants; stored as 20-byte ids that is < 30 MiB of memory.
  size_t max_request_bytes = size_t{64} << 20;
  // "want" and "want-ref" lines (after de-duplication, one per ref at most in practice): a
  // fetch of every ref of a 100k-ref repository sends 100k; ten times that is allowed.
  size_t max_wants = 1'000'000;
  // "have" lines of one v2 request (a stateless client resends its common commits each
  // round) or of a whole v0/v1 negotiation; git's client sends at most one per commit it
  // has, and the largest public histories are near 1.3M commits.
  size_t max_haves = 2'000'000;
  // "shallow <oid>" lines: one per boundary commit of a shallow client, a few per ref.
  size_t max_shallow = 1'000'000;
  // "deepen-not <ref>" lines: one per --shallow-exclude option a user typed; each costs a
  // ref lookup and a hidden walk root, and is kept as text.
  size_t max_deepen_not = 4096;
  // ls-refs "ref-prefix" lines beyond which prefixes are ignored and every ref is listed
  // (not an error): git's ls-refs does the same above 65535 (TOO_MANY_PREFIXES, 65536).
  size_t max_ref_prefixes = 65535;
  // Server time one request may spend deciding what the client may have and needs
  // (checking wants, acknowledging haves, the shallow boundary), not counting time spent
  // waiting for the client or writing the pack. git takes well under a second for 1000
  // reachable unadvertised wants on a 20k-commit repository; a minute is generous.
  std::chrono::milliseconds negotiation_budget{60'000};
};

}  // namespace gitgate::git
