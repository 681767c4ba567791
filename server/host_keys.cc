#include "server/host_keys.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <set>
#include <system_error>
#include <vector>

namespace gitgate::server {
namespace {

constexpr int kRsaBits = 3072;
constexpr int kEcdsaBits = 256;

struct KeyFree {
  void operator()(ssh_key key) const { ssh_key_free(key); }
};
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyFree>;

// libssh's family of a key type: the slot in ssh_bind it occupies.
std::string family_of(enum ssh_keytypes_e type) {
  switch (type) {
    case SSH_KEYTYPE_RSA:
      return "rsa";
    case SSH_KEYTYPE_ECDSA_P256:
    case SSH_KEYTYPE_ECDSA_P384:
    case SSH_KEYTYPE_ECDSA_P521:
      return "ecdsa";
    case SSH_KEYTYPE_ED25519:
      return "ed25519";
    default:
      return "other";
  }
}

std::string fingerprint_of(ssh_key key) {
  unsigned char* hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK) {
    return "-";
  }
  char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
  ssh_clean_pubkey_hash(&hash);
  std::string fingerprint = text != nullptr ? text : "-";
  ssh_string_free_char(text);
  return fingerprint;
}

// Writes the private key in OpenSSH format to a new file created 0600 (never wider, not
// even for a moment), then renames it into place so a crash leaves no half-written key.
std::string create_key_file(const std::filesystem::path& path, ssh_key* out) {
  std::error_code ec;
  const std::filesystem::path parent = path.parent_path();
  // Each directory made here is private to the server's user.
  std::vector<std::filesystem::path> missing;
  for (auto dir = parent; !dir.empty() && !std::filesystem::exists(dir, ec);
       dir = dir.parent_path()) {
    missing.push_back(dir);
  }
  if (!missing.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return "cannot create " + parent.string() + ": " + ec.message();
    }
    for (const auto& dir : missing) {
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    }
  }
  const enum ssh_keytypes_e type = key_type_for_path(path);
  const int bits = type == SSH_KEYTYPE_RSA          ? kRsaBits
                   : type == SSH_KEYTYPE_ECDSA_P256 ? kEcdsaBits
                                                    : 0;
  ssh_key generated = nullptr;
  if (ssh_pki_generate(type, bits, &generated) != SSH_OK) {
    return "cannot generate a host key for " + path.string();
  }
  KeyPtr key(generated);
  char* text = nullptr;
  if (ssh_pki_export_privkey_base64(key.get(), nullptr, nullptr, nullptr, &text) != SSH_OK) {
    return "cannot encode the host key for " + path.string();
  }
  const std::string encoded(text);
  ssh_string_free_char(text);
  const std::filesystem::path temporary = path.string() + ".new";
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return "cannot create " + temporary.string() + ": " +
           std::error_code(errno, std::generic_category()).message();
  }
  const bool written =
      ::write(fd, encoded.data(), encoded.size()) == static_cast<ssize_t>(encoded.size()) &&
      fsync(fd) == 0;
  close(fd);
  if (!written || rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string error = std::error_code(errno, std::generic_category()).message();
    unlink(temporary.c_str());
    return "cannot write " + path.string() + ": " + error;
  }
  *out = key.release();
  return {};
}

}  // namespace

enum ssh_keytypes_e key_type_for_path(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  if (name.find("rsa") != std::string::npos) {
    return SSH_KEYTYPE_RSA;
  }
  if (name.find("ecdsa") != std::string::npos) {
    return SSH_KEYTYPE_ECDSA_P256;
  }
  return SSH_KEYTYPE_ED25519;
}

std::variant<std::vector<HostKey>, std::string> install_host_keys(
    ssh_bind bind, const std::vector<std::filesystem::path>& paths) {
  if (paths.empty()) {
    return std::string("no host keys configured");
  }
  std::vector<HostKey> installed;
  std::set<std::string> families;
  for (const std::filesystem::path& path : paths) {
    HostKey host_key{.path = path};
    ssh_key loaded = nullptr;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &loaded) != SSH_OK) {
        return "cannot load host key " + path.string();
      }
    } else {
      if (std::string error = create_key_file(path, &loaded); !error.empty()) {
        return error;
      }
      host_key.created = true;
    }
    KeyPtr key(loaded);
    const enum ssh_keytypes_e type = ssh_key_type(key.get());
    if (!families.insert(family_of(type)).second) {
      return "host key " + path.string() + ": a " + family_of(type) +
             " host key is already configured (one key per algorithm)";
    }
    host_key.type = ssh_key_type_to_char(type);
    host_key.fingerprint = fingerprint_of(key.get());
    // On success the bind owns the key.
    if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY, key.get()) != SSH_OK) {
      return "host key " + path.string() + ": " + ssh_get_error(bind);
    }
    static_cast<void>(key.release());
    installed.push_back(std::move(host_key));
  }
  return installed;
}

}  // namespace gitgate::server
