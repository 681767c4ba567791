#include "server/key_login.h"

#include <memory>

#include "auth/key_blob.h"
#include "logging/diagnostics.h"

namespace gitgate::server {

std::variant<auth::SessionUser, std::string> KeyLogin::find(const std::vector<uint8_t>& blob,
                                                            std::string_view key_type) {
  std::shared_ptr<const auth::UserDb> users = users_.get();
  if (const auth::User* found = users ? users->find_by_key(blob) : nullptr) {
    return auth::SessionUser::from_file(std::move(users), *found);
  }
  if (host_ == nullptr) {
    return std::string();
  }
  const auth::KeyLookup& lookup = ask_host(blob, key_type);
  if (const auto* api_user = std::get_if<auth::ApiUser>(&lookup)) {
    return auth::SessionUser::from_api(*api_user);
  }
  if (const auto* failure = std::get_if<auth::ApiFailure>(&lookup)) {
    return "the host API could not be asked: " + logging::printable(failure->describe());
  }
  return std::string();
}

const auth::KeyLookup& KeyLogin::ask_host(const std::vector<uint8_t>& blob,
                                          std::string_view key_type) {
  for (const auto& [asked, answer] : answers_) {
    if (asked == blob) {
      return answer;
    }
  }
  auth::KeyLookup answer;
  if (host_failure_) {
    answer = *host_failure_;
  } else {
    answer = host_->lookup_key(
        auth::KeyQuery{.fingerprint = auth::fingerprint(blob),
                       .key = std::string(key_type) + " " + auth::encode_key_blob(blob),
                       .client_address = client_address_,
                       .deadline = deadline_});
    if (const auto* failure = std::get_if<auth::ApiFailure>(&answer)) {
      host_failure_ = *failure;
      notice_ = true;
    }
  }
  answers_.emplace_back(blob, std::move(answer));
  return answers_.back().second;
}

}  // namespace gitgate::server
