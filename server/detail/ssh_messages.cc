#include "server/detail/ssh_messages.h"

#include "auth/key_blob.h"
#include "logging/diagnostics.h"

namespace gitgate::server::detail {

std::string describe_refused(ssh_message message) {
  const int type = ssh_message_type(message);
  const int subtype = ssh_message_subtype(message);
  if (type == SSH_REQUEST_CHANNEL_OPEN) {
    switch (subtype) {
      case SSH_CHANNEL_DIRECT_TCPIP:
        return "channel direct-tcpip to " +
               logging::printable(ssh_message_channel_request_open_destination(message)) + ":" +
               std::to_string(ssh_message_channel_request_open_destination_port(message));
      case SSH_CHANNEL_FORWARDED_TCPIP:
        return "channel forwarded-tcpip";
      case SSH_CHANNEL_X11:
        return "channel x11";
      case SSH_CHANNEL_AUTH_AGENT:
        return "channel auth-agent";
      default:
        return "channel of type " + std::to_string(subtype);
    }
  }
  if (type == SSH_REQUEST_GLOBAL) {
    switch (subtype) {
      case SSH_GLOBAL_REQUEST_TCPIP_FORWARD:
        return "global request tcpip-forward";
      case SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD:
        return "global request cancel-tcpip-forward";
      case SSH_GLOBAL_REQUEST_KEEPALIVE:
        return {};  // a client's keepalive: refusing it is the expected answer
      default:
        return "global request of type " + std::to_string(subtype);
    }
  }
  return {};
}

// The key's SSH wire-format blob. libssh 0.10 exports it publicly only as base64.
std::optional<std::vector<uint8_t>> key_blob(ssh_key key) {
  char* base64 = nullptr;
  if (ssh_pki_export_pubkey_base64(key, &base64) != SSH_OK) {
    return std::nullopt;
  }
  auto blob = auth::decode_key_blob(base64);
  ssh_string_free_char(base64);
  return blob;
}

}  // namespace gitgate::server::detail
