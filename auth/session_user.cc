#include "auth/session_user.h"

#include <utility>

namespace gitgate::auth {
namespace {

AccessDecision decide_by_globs(const User& user, std::string_view repository, Action action) {
  const bool may_read = UserDb::can_read(user, repository);
  if (action == Action::kRead) {
    if (may_read) {
      return AccessGranted{};
    }
    return AccessDenied{{}, false, user.identity.name + " may not read it"};
  }
  if (UserDb::can_write(user, repository)) {
    return AccessGranted{};
  }
  return AccessDenied{
      {}, may_read, user.identity.name + (may_read ? " may not push to it" : " may not read it")};
}

AccessDecision decide_by_host(const SessionUser& user, HostDirectory* host,
                              std::string_view repository, Action action,
                              std::string_view client_address) {
  if (host == nullptr) {
    return AccessUnknown{ApiFailure{ApiFailure::Kind::kUnexpected, "no host API is configured"}};
  }
  AccessReply reply = host->allowed(AccessQuery{.user_id = user.identity.id,
                                                .user_name = user.identity.name,
                                                .repository = std::string(repository),
                                                .action = action,
                                                .client_address = std::string(client_address)});
  if (std::holds_alternative<Allowed>(reply)) {
    return AccessGranted{};
  }
  if (auto* refused = std::get_if<Refused>(&reply)) {
    std::string reason = "the Git host refused to let " + user.identity.name + " " +
                         std::string(action_name(action)) + " it";
    if (!refused->message.empty()) {
      reason += ": " + refused->message;
    }
    return AccessDenied{std::move(refused->message), false, std::move(reason)};
  }
  return AccessUnknown{std::move(std::get<ApiFailure>(reply))};
}

}  // namespace

SessionUser SessionUser::from_file(std::shared_ptr<const UserDb> users, const User& entry) {
  SessionUser user;
  user.source = Source::kUsersFile;
  user.identity = entry.identity;
  user.users = std::move(users);
  user.entry = &entry;
  return user;
}

SessionUser SessionUser::from_api(const ApiUser& found) {
  SessionUser user;
  user.source = Source::kHostApi;
  user.identity = Identity{found.name, found.id};
  return user;
}

AccessDecision decide_access(const SessionUser& user, HostDirectory* host,
                             std::string_view repository, Action action,
                             std::string_view client_address) {
  if (user.source == SessionUser::Source::kUsersFile) {
    if (user.entry == nullptr) {
      return AccessDenied{{}, false, "no users-file entry"};
    }
    return decide_by_globs(*user.entry, repository, action);
  }
  return decide_by_host(user, host, repository, action, client_address);
}

}  // namespace gitgate::auth
