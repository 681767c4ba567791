#include "server/ssh_algorithms.h"

#include <gtest/gtest.h>
#include <libssh/libssh.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace gitgate::server {
namespace {

constexpr std::array kLists = {AlgorithmList::kKex, AlgorithmList::kCiphers, AlgorithmList::kMacs,
                               AlgorithmList::kHostKey, AlgorithmList::kPubkey};

const std::vector<std::string>& defaults_of(const SshAlgorithms& algorithms, AlgorithmList list) {
  switch (list) {
    case AlgorithmList::kKex:
      return algorithms.kex;
    case AlgorithmList::kCiphers:
      return algorithms.ciphers;
    case AlgorithmList::kMacs:
      return algorithms.macs;
    case AlgorithmList::kHostKey:
      return algorithms.host_key_algorithms;
    case AlgorithmList::kPubkey:
      return algorithms.pubkey_algorithms;
  }
  return algorithms.kex;
}

// What this libssh (0.10.6) knows and does not, as the validation depends on it.
TEST(SshAlgorithmsTest, AsksLibsshWhatItKnows) {
  struct Case {
    AlgorithmList list;
    std::string_view name;
    bool known;
  };
  const Case cases[] = {
      {AlgorithmList::kKex, "curve25519-sha256", true},
      {AlgorithmList::kKex, "ecdh-sha2-nistp521", true},
      {AlgorithmList::kKex, "diffie-hellman-group18-sha512", true},  // known, not a default
      {AlgorithmList::kKex, "diffie-hellman-group14-sha1", true},
      {AlgorithmList::kKex, "sntrup761x25519-sha512@openssh.com", false},  // libssh 0.11
      {AlgorithmList::kKex, "kex-strict-s-v00@openssh.com", false},        // libssh adds it
      {AlgorithmList::kKex, "ext-info-s", false},
      {AlgorithmList::kKex, "hmac-sha2-256", false},  // a name from another list
      {AlgorithmList::kKex, "curve25519-sha256,bogus", false},
      {AlgorithmList::kKex, "", false},
      {AlgorithmList::kCiphers, "chacha20-poly1305@openssh.com", true},
      {AlgorithmList::kCiphers, "aes128-cbc", true},
      {AlgorithmList::kCiphers, "none", false},
      {AlgorithmList::kMacs, "hmac-sha2-512-etm@openssh.com", true},
      {AlgorithmList::kMacs, "hmac-sha1", true},
      {AlgorithmList::kMacs, "umac-64-etm@openssh.com", false},
      {AlgorithmList::kHostKey, "ssh-ed25519", true},
      {AlgorithmList::kHostKey, "rsa-sha2-512", true},
      {AlgorithmList::kHostKey, "ssh-ed448", false},
      {AlgorithmList::kPubkey, "sk-ssh-ed25519@openssh.com", true},
      {AlgorithmList::kPubkey, "sk-ecdsa-sha2-nistp256@openssh.com", true},
      {AlgorithmList::kPubkey, "ssh-rsa", true},
      {AlgorithmList::kPubkey, "rsa-sha2-384", false},
  };
  for (const auto& [list, name, known] : cases) {
    EXPECT_EQ(libssh_knows(list, name), known) << key_of(list) << ": " << name;
  }
}

// The defaults as shipped: every name known, none with SHA-1, finite-field
// Diffie-Hellman, CBC or a plain-SHA-1 RSA signature.
TEST(SshAlgorithmsTest, DefaultsAreKnownAndModern) {
  const SshAlgorithms defaults;
  for (const AlgorithmList list : kLists) {
    const auto& names = defaults_of(defaults, list);
    EXPECT_FALSE(names.empty()) << key_of(list);
    for (const std::string& name : names) {
      EXPECT_EQ(algorithm_problem(list, name), std::nullopt) << key_of(list) << ": " << name;
      for (std::string_view banned : {"sha1", "diffie-hellman", "cbc", "md5"}) {
        EXPECT_EQ(name.find(banned), std::string::npos) << key_of(list) << ": " << name;
      }
      EXPECT_NE(name, "ssh-rsa") << key_of(list);
    }
  }
}

bool knows_everything(AlgorithmList /*list*/, std::string_view /*name*/) { return true; }
bool knows_nothing(AlgorithmList /*list*/, std::string_view /*name*/) { return false; }

TEST(SshAlgorithmsTest, NamesOneAlgorithmEach) {
  struct Case {
    std::string name;
    bool ok;
  };
  const Case cases[] = {
      {"a", true},
      {std::string(63, 'a'), true},
      {std::string(64, 'a'), true},  // RFC 4251, section 6: at most 64
      {std::string(65, 'a'), false},
      {"", false},
      {"a,b", false},
      {"a b", false},
      {" a", false},
      {"a\t", false},
      {std::string("a\0b", 3), false},
      {"a\x7f", false},
      {"caf\xc3\xa9", false},
      {"!~@.-_", true},
  };
  for (const auto& [name, ok] : cases) {
    EXPECT_EQ(algorithm_problem(AlgorithmList::kMacs, name, knows_everything) == std::nullopt, ok)
        << name.size() << " characters: " << name;
  }
  const auto unknown = algorithm_problem(AlgorithmList::kCiphers, "aes128-ocb", knows_nothing);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_NE(unknown->find("'aes128-ocb' is not a cipher that libssh "), std::string::npos)
      << *unknown;
}

TEST(SshAlgorithmsTest, HostKeySignsWithAnOfferedAlgorithm) {
  struct Case {
    std::vector<std::string> offered;
    std::string_view key_type;
    bool usable;
  };
  const Case cases[] = {
      {{"ssh-ed25519"}, "ssh-ed25519", true},
      {{"rsa-sha2-512"}, "ssh-ed25519", false},
      {{"rsa-sha2-512"}, "ssh-rsa", true},
      {{"rsa-sha2-256"}, "ssh-rsa", true},
      {{"ssh-rsa"}, "ssh-rsa", true},
      {{"ssh-ed25519", "ecdsa-sha2-nistp384"}, "ssh-rsa", false},
      {{"ecdsa-sha2-nistp384"}, "ecdsa-sha2-nistp256", false},
      {{"ecdsa-sha2-nistp256"}, "ecdsa-sha2-nistp256", true},
  };
  for (const auto& [offered, key_type, usable] : cases) {
    SshAlgorithms algorithms;
    algorithms.host_key_algorithms = offered;
    EXPECT_EQ(offers_host_key(algorithms, key_type), usable) << key_type;
  }
  for (std::string_view type : {"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"}) {
    EXPECT_TRUE(offers_host_key(SshAlgorithms{}, type)) << type;
  }
}

struct BindFree {
  void operator()(ssh_bind bind) const { ssh_bind_free(bind); }
};

TEST(SshAlgorithmsTest, AppliesToABind) {
  const std::unique_ptr<ssh_bind_struct, BindFree> bind(ssh_bind_new());
  ASSERT_NE(bind, nullptr);
  EXPECT_EQ(apply_ssh_algorithms(bind.get(), SshAlgorithms{}), "");
  SshAlgorithms unknown;
  unknown.macs = {"umac-64-etm@openssh.com"};  // check-config refuses this before serve
  const std::string error = apply_ssh_algorithms(bind.get(), unknown);
  EXPECT_NE(error.find("ssh.macs"), std::string::npos) << error;
}

}  // namespace
}  // namespace gitgate::server
