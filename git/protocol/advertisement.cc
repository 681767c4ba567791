#include "git/protocol/advertisement.h"

#include <algorithm>

#include "git/pack/libgit2.h"
#include "git/protocol/pktline.h"

namespace gitgate::git::detail {
namespace {

// Only what we honour. ofs-delta and thin-pack only permit the server to use offset
// deltas and to leave out delta bases the client has.
constexpr std::string_view kCapabilities =
    "multi_ack thin-pack side-band side-band-64k ofs-delta shallow deepen-since deepen-not "
    "deepen-relative no-progress include-tag multi_ack_detailed allow-tip-sha1-in-want "
    "allow-reachable-sha1-in-want no-done filter";
constexpr std::string_view kObjectFormat = "object-format=sha1";

}  // namespace

std::string advertised_capabilities(const RefSet& refs) {
  std::string caps(kCapabilities);
  if (!refs.head_target.empty() && !refs.refs.empty() && refs.refs.front().name == "HEAD") {
    caps += " symref=HEAD:" + refs.head_target;
  }
  caps += ' ';
  caps += kObjectFormat;
  caps += ' ';
  caps += kAgentCapability;
  return caps;
}

std::string encode_advertisement(const RefSet& refs, std::string_view capabilities) {
  std::string out;
  std::string line;
  if (refs.refs.empty()) {
    line = std::string(GIT_OID_HEXSZ, '0') + " capabilities^{}";
    line.push_back('\0');
    line.append(capabilities);
    line.push_back('\n');
    pktline::append_data(out, line);
  }
  bool first = true;
  for (const AdvertisedRef& ref : refs.refs) {
    line = to_hex(ref.id) + ' ' + ref.name;
    if (first) {
      line.push_back('\0');
      line.append(capabilities);
      first = false;
    }
    line.push_back('\n');
    pktline::append_data(out, line);
    if (ref.peeled) {
      pktline::append_data(out, to_hex(*ref.peeled) + ' ' + ref.name + "^{}\n");
    }
  }
  pktline::append_flush(out);
  return out;
}

}  // namespace gitgate::git::detail
