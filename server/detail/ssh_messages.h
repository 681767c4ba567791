// libssh messages as gitgate's diagnostics and auth/ need them.
#pragma once

#include <libssh/libssh.h>
#include <libssh/server.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gitgate::server::detail {

// The wire name of a refused channel type or global request, for the diagnostic line;
// empty for what is refused without a word (a client's keepalive).
[[nodiscard]] std::string describe_refused(ssh_message message);

// The key's SSH wire-format blob.
[[nodiscard]] std::optional<std::vector<uint8_t>> key_blob(ssh_key key);

}  // namespace gitgate::server::detail
