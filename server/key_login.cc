#include "server/key_login.h"

#include <functional>
#include <memory>

#include "auth/certificate.h"
#include "auth/key_blob.h"
#include "logging/diagnostics.h"
#include "server/certificate_login.h"

namespace gitgate::server {
namespace {

// The host is asked about at most this many of a certificate's principals (ssh_user's first,
// then in the certificate's order): one certificate must not cost a login dozens of calls.
constexpr int kMaxPrincipalsAsked = 4;

}  // namespace

std::variant<KeyFound, KeyRefused> KeyLogin::find(const std::vector<uint8_t>& blob,
                                                  std::string_view key_type,
                                                  std::string_view ssh_user) {
  // libssh asks about a key twice (the probe, then the signed request): the second time
  // gets the first verdict, without checking a certificate's signature again.
  if (!last_ || last_->first != blob) {
    last_.emplace(
        blob, is_certificate(blob) ? find_certified(blob, ssh_user) : find_plain(blob, key_type));
  }
  return last_->second;
}

std::variant<KeyFound, KeyRefused> KeyLogin::find_plain(const std::vector<uint8_t>& blob,
                                                        std::string_view key_type) {
  const std::string fingerprint = auth::fingerprint(blob);
  const std::string key_text = std::string(key_type) + " " + fingerprint;
  std::shared_ptr<const auth::UserDb> users = users_.get();
  if (const auth::User* found = users ? users->find_by_key(blob) : nullptr) {
    return KeyFound{auth::SessionUser::from_file(std::move(users), *found), key_text, nullptr};
  }
  if (host_ == nullptr) {
    return KeyRefused{"unknown key", "unknown key", key_text};
  }
  const std::string line = std::string(key_type) + " " + auth::encode_key_blob(blob);
  const auth::KeyLookup& lookup = ask_host("key " + line, [&] {
    return host_->lookup_key(auth::KeyQuery{.fingerprint = fingerprint,
                                            .key = line,
                                            .client_address = client_.ip_string(),
                                            .deadline = deadline_});
  });
  if (const auto* api_user = std::get_if<auth::ApiUser>(&lookup)) {
    return KeyFound{auth::SessionUser::from_api(*api_user), key_text, nullptr};
  }
  if (std::holds_alternative<auth::ApiFailure>(lookup)) {
    return host_failure(key_text);
  }
  return KeyRefused{"unknown key", "unknown key", key_text};
}

std::variant<KeyFound, KeyRefused> KeyLogin::find_certified(const std::vector<uint8_t>& blob,
                                                            std::string_view ssh_user) {
  std::shared_ptr<const auth::UserDb> users = users_.get();
  std::shared_ptr<const auth::CertificateTrust> trust =
      certificates_ != nullptr ? certificates_->get() : nullptr;
  // The key id goes with a principal to the host; check_certificate_login() parses again.
  auto parsed = auth::parse_certificate(blob);
  const auto* certificate = std::get_if<auth::Certificate>(&parsed);
  const std::string key_id = certificate != nullptr ? certificate->key_id : std::string();
  int principals_asked = 0;
  const auto host_user = [&](std::string_view principal) -> const auth::ApiUser* {
    if (host_ == nullptr) {
      return nullptr;
    }
    const std::string question = "principal " + std::string(principal) + "\n" + key_id;
    if (const auth::KeyLookup* answer = answered(question)) {
      return std::get_if<auth::ApiUser>(answer);
    }
    if (principals_asked >= kMaxPrincipalsAsked) {
      return nullptr;
    }
    ++principals_asked;
    return std::get_if<auth::ApiUser>(&ask_host(question, [&] {
      return host_->lookup_principal(auth::PrincipalQuery{.principal = std::string(principal),
                                                          .key_id = key_id,
                                                          .client_address = client_.ip_string(),
                                                          .deadline = deadline_});
    }));
  };
  const auto names_user = [&](std::string_view principal) {
    return (users != nullptr && users->find_by_name(principal) != nullptr) ||
           host_user(principal) != nullptr;
  };
  auto outcome = check_certificate_login(trust.get(), blob, names_user, ssh_user, client_,
                                         std::chrono::system_clock::now());
  if (!outcome) {  // is_certificate() said it is one: not reached
    return KeyRefused{"unreadable key", "unreadable key", auth::fingerprint(blob)};
  }
  if (auto* refused = std::get_if<CertificateRefused>(&*outcome)) {
    if (refused->principal_unknown && host_failure_) {
      return host_failure(refused->detail);
    }
    return KeyRefused{"certificate refused", std::move(refused->reason),
                      std::move(refused->detail)};
  }
  auto& login = std::get<CertificateLogin>(*outcome);
  KeyFound found{{}, std::move(login.description), std::move(trust)};
  if (const auth::User* entry = users ? users->find_by_name(login.principal) : nullptr) {
    found.user = auth::SessionUser::from_file(std::move(users), *entry);
  } else {
    found.user = auth::SessionUser::from_api(*host_user(login.principal));
  }
  found.user.key_id = std::move(login.key_id);
  return found;
}

const auth::KeyLookup& KeyLogin::ask_host(const std::string& question,
                                          const std::function<auth::KeyLookup()>& ask) {
  if (const auth::KeyLookup* known = answered(question)) {
    return *known;
  }
  auth::KeyLookup answer;
  if (host_failure_) {
    answer = *host_failure_;
  } else {
    answer = ask();
    if (const auto* failure = std::get_if<auth::ApiFailure>(&answer)) {
      host_failure_ = *failure;
      notice_ = true;
    }
  }
  answers_.emplace_back(question, std::move(answer));
  return answers_.back().second;
}

const auth::KeyLookup* KeyLogin::answered(const std::string& question) const {
  for (const auto& [asked, answer] : answers_) {
    if (asked == question) {
      return &answer;
    }
  }
  return nullptr;
}

KeyRefused KeyLogin::host_failure(const std::string& key_text) const {
  return KeyRefused{"host api failure", "host api failure",
                    key_text + ": the host API could not be asked: " +
                        logging::printable(host_failure_->describe())};
}

bool still_names(auth::SessionUser& user, std::span<const uint8_t> key,
                 std::shared_ptr<const auth::UserDb> users, const auth::CertificateTrust* trust,
                 const net::SocketAddress& client) {
  if (user.source != auth::SessionUser::Source::kUsersFile) {
    // The host vouched for the principal at login; the certificate itself is checked again.
    auto outcome = check_certificate_login(
        trust, key, [](std::string_view /*principal*/) { return true; }, user.identity.name, client,
        std::chrono::system_clock::now());
    return !outcome || std::holds_alternative<CertificateLogin>(*outcome);
  }
  if (users == nullptr) {
    users = user.users;
  }
  const auth::User* found = find_key_owner(users.get(), trust, key, user.identity.name, client);
  if (found == nullptr || found->identity.name != user.identity.name ||
      found->identity.id != user.identity.id) {
    return false;
  }
  std::string key_id = std::move(user.key_id);
  user = auth::SessionUser::from_file(std::move(users), *found);
  user.key_id = std::move(key_id);
  return true;
}

}  // namespace gitgate::server
