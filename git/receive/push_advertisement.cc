#include "git/receive/push_advertisement.h"

#include "git/protocol/advertisement.h"
#include "git/receive/receive_config.h"

namespace gitgate::git::detail {

std::string push_capabilities() {
  // git's show_ref() order; push-options is advertised unconditionally (git needs
  // receive.advertisePushOptions): the hooks see them, and the limits bound them.
  std::string caps =
      "report-status report-status-v2 delete-refs side-band-64k quiet atomic ofs-delta "
      "push-options object-format=sha1 ";
  caps += kAgentCapability;
  return caps;
}

RefSet visible_push_refs(const RefSet& refs, const std::vector<std::string>& hide_refs) {
  RefSet out;
  out.head_target = refs.head_target;
  for (const AdvertisedRef& ref : refs.refs) {
    // receive-pack lists refs with for_each_ref: HEAD is not among them.
    if (ref.name == "HEAD" || ref_is_hidden(ref.name, hide_refs)) {
      continue;
    }
    out.refs.push_back({ref.name, ref.id, std::nullopt});
  }
  return out;
}

std::string encode_push_advertisement(const RefSet& visible) {
  RefSet plain;
  plain.refs.reserve(visible.refs.size());
  for (const AdvertisedRef& ref : visible.refs) {
    plain.refs.push_back({ref.name, ref.id, std::nullopt});  // no "^{}" lines in a push
  }
  return encode_advertisement(plain, push_capabilities());
}

}  // namespace gitgate::git::detail
