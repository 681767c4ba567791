// [ssh] of gitgate.toml: which algorithm names libssh accepts in each list, and
// setting the lists on the ssh_bind that every session is accepted from.
#pragma once

#include <libssh/server.h>

#include <optional>
#include <string>
#include <string_view>

#include "server/config.h"

namespace gitgate::server {

// The lists of [ssh], named by their keys.
enum class AlgorithmList { kKex, kCiphers, kMacs, kHostKey, kPubkey };

[[nodiscard]] std::string_view key_of(AlgorithmList list);  // "kex", "ciphers", ...

// Whether the linked libssh knows `name` in `list` (no I/O: asks a scratch ssh_bind).
[[nodiscard]] bool libssh_knows(AlgorithmList list, std::string_view name);

using KnowsAlgorithm = bool (*)(AlgorithmList, std::string_view);

// Why `name` cannot be in `list`, or nullopt: it must be one algorithm name (RFC 4251,
// section 6: printable US-ASCII, no comma, at most 64 characters) that `knows` accepts.
[[nodiscard]] std::optional<std::string> algorithm_problem(AlgorithmList list,
                                                           std::string_view name,
                                                           KnowsAlgorithm knows = libssh_knows);

// Whether a host key of type key_type ("ssh-ed25519", "ssh-rsa", ...) can sign with one
// of host_key_algorithms; a server with no such key can complete no handshake.
[[nodiscard]] bool offers_host_key(const SshAlgorithms& algorithms, std::string_view key_type);

// Sets every list on bind, for the sessions ssh_bind_accept_fd() makes from it; an
// error message, or empty.
[[nodiscard]] std::string apply_ssh_algorithms(ssh_bind bind, const SshAlgorithms& algorithms);

}  // namespace gitgate::server
