#include "server/ssh_algorithms.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libssh/libssh.h>

#include <algorithm>
#include <array>
#include <memory>
#include <utility>
#include <vector>

namespace gitgate::server {
namespace {

constexpr size_t kMaxNameLength = 64;  // RFC 4251, section 6

struct BindFree {
  void operator()(ssh_bind bind) const { ssh_bind_free(bind); }
};
using BindPtr = std::unique_ptr<ssh_bind_struct, BindFree>;

// The bind options that carry `list`: ciphers and MACs are set per direction, the
// same both ways.
std::vector<enum ssh_bind_options_e> options_of(AlgorithmList list) {
  switch (list) {
    case AlgorithmList::kKex:
      return {SSH_BIND_OPTIONS_KEY_EXCHANGE};
    case AlgorithmList::kCiphers:
      return {SSH_BIND_OPTIONS_CIPHERS_C_S, SSH_BIND_OPTIONS_CIPHERS_S_C};
    case AlgorithmList::kMacs:
      return {SSH_BIND_OPTIONS_HMAC_C_S, SSH_BIND_OPTIONS_HMAC_S_C};
    case AlgorithmList::kHostKey:
      return {SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS};
    case AlgorithmList::kPubkey:
      return {SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES};
  }
  return {};
}

std::string_view what_of(AlgorithmList list) {
  switch (list) {
    case AlgorithmList::kKex:
      return "key exchange method";
    case AlgorithmList::kCiphers:
      return "cipher";
    case AlgorithmList::kMacs:
      return "MAC";
    case AlgorithmList::kHostKey:
      return "host key algorithm";
    case AlgorithmList::kPubkey:
      return "public key signature algorithm";
  }
  return "algorithm";
}

bool is_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return c > ' ' && c < 0x7f && c != ','; });
}

}  // namespace

std::string_view key_of(AlgorithmList list) {
  switch (list) {
    case AlgorithmList::kKex:
      return "kex";
    case AlgorithmList::kCiphers:
      return "ciphers";
    case AlgorithmList::kMacs:
      return "macs";
    case AlgorithmList::kHostKey:
      return "host_key_algorithms";
    case AlgorithmList::kPubkey:
      return "pubkey_algorithms";
  }
  return "?";
}

// libssh 0.10 has no call that lists what it supports, but ssh_bind_options_set keeps
// the names of a list it knows and fails only when it knows none: a one-name list
// fails exactly when libssh does not know the name.
bool libssh_knows(AlgorithmList list, std::string_view name) {
  if (!is_name(name)) {
    return false;
  }
  const BindPtr scratch(ssh_bind_new());
  if (scratch == nullptr) {
    return false;
  }
  const std::string text(name);
  return ssh_bind_options_set(scratch.get(), options_of(list).front(), text.c_str()) == SSH_OK;
}

std::optional<std::string> algorithm_problem(AlgorithmList list, std::string_view name,
                                             KnowsAlgorithm knows) {
  if (!is_name(name)) {
    return fmt::format(
        "an algorithm name is 1-{} printable ASCII characters without spaces or commas",
        kMaxNameLength);
  }
  if (!knows(list, name)) {
    return fmt::format("'{}' is not a {} that libssh {} supports", name, what_of(list),
                       ssh_version(0));
  }
  return std::nullopt;
}

// An RSA key signs as rsa-sha2-512, rsa-sha2-256 or (SHA-1) ssh-rsa (RFC 8332); every
// other key type signs under its own name.
bool offers_host_key(const SshAlgorithms& algorithms, std::string_view key_type) {
  const auto& offered = algorithms.host_key_algorithms;
  const auto has = [&](std::string_view name) {
    return std::find(offered.begin(), offered.end(), name) != offered.end();
  };
  if (key_type == "ssh-rsa") {
    return has("rsa-sha2-512") || has("rsa-sha2-256") || has("ssh-rsa");
  }
  return has(key_type);
}

std::string apply_ssh_algorithms(ssh_bind bind, const SshAlgorithms& algorithms) {
  const std::array<std::pair<AlgorithmList, const std::vector<std::string>*>, 5> lists{{
      {AlgorithmList::kKex, &algorithms.kex},
      {AlgorithmList::kCiphers, &algorithms.ciphers},
      {AlgorithmList::kMacs, &algorithms.macs},
      {AlgorithmList::kHostKey, &algorithms.host_key_algorithms},
      {AlgorithmList::kPubkey, &algorithms.pubkey_algorithms},
  }};
  for (const auto& [list, names] : lists) {
    const std::string joined = fmt::format("{}", fmt::join(*names, ","));
    for (const enum ssh_bind_options_e option : options_of(list)) {
      if (ssh_bind_options_set(bind, option, joined.c_str()) != SSH_OK) {
        return fmt::format("ssh.{} = [{}]: {}", key_of(list), joined, ssh_get_error(bind));
      }
    }
  }
  return {};
}

}  // namespace gitgate::server
