// A listen address of [server] listen in gitgate.toml. Internal to server/.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "server/config.h"

namespace gitgate::server::detail {

// "0.0.0.0:7999", "[::]:7999": an IP literal and a port; the host comes back in
// inet_ntop's spelling. A reason on failure.
[[nodiscard]] std::variant<ListenAddress, std::string> parse_listen(std::string_view text);

}  // namespace gitgate::server::detail
