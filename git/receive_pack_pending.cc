// TEMPORARY (branch push-server): stands in for git/receive_pack.cc until the receive
// branch is merged, so that the gitgate binary links. Deleted by that merge.
#include <string_view>

#include "git/receive_pack.h"

namespace gitgate::git {

ReceivePackResult serve_receive_pack(const ReceivePackRequest& /*request*/, Stream& stream) {
  constexpr std::string_view kMessage = "fatal: receive-pack is not built into this gitgate\n";
  stream.write_stderr({reinterpret_cast<const uint8_t*>(kMessage.data()), kMessage.size()});
  return ReceivePackResult{128, {"push", "protocol:0"}, 0, "receive-pack is not built"};
}

}  // namespace gitgate::git
