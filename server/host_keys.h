// The server's SSH host keys: loaded from the configured files, created on first
// start when missing, and handed to the ssh_bind that every session is accepted from.
#pragma once

#include <libssh/server.h>

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace gitgate::server {

struct HostKey {
  std::filesystem::path path;
  std::string type;         // "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"
  std::string fingerprint;  // "SHA256:..." as OpenSSH prints it
  bool created = false;     // generated on this start
};

// The key type a missing file is created as, from its name as OpenSSH names them
// ("ssh_host_rsa_key" -> RSA 3072, "ssh_host_ecdsa_key" -> ECDSA P-256); ed25519 otherwise.
[[nodiscard]] enum ssh_keytypes_e key_type_for_path(const std::filesystem::path& path);

// Loads (creating when missing: parent directories 0700, the file 0600) every key and
// imports it into bind. libssh keeps one key per algorithm family: a later key of the
// same family replaces an earlier one, which is reported as an error.
[[nodiscard]] std::variant<std::vector<HostKey>, std::string> install_host_keys(
    ssh_bind bind, const std::vector<std::filesystem::path>& paths);

}  // namespace gitgate::server
