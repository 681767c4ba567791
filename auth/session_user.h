// Who is logged in, and which source vouched for them; and the one decision of what they may
// do with a repository. Authentication makes a SessionUser, the session carries it, every
// request asks decide_access(); nothing re-derives either (STYLE.md 7).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "auth/host_api.h"
#include "auth/users.h"

namespace gitgate::auth {

struct SessionUser {
  enum class Source {
    kUsersFile,  // the key is in the users file: its read/write globs decide
    kHostApi,    // POST /ssh/key named the user: POST /ssh/allowed decides, per request
  };
  Source source = Source::kUsersFile;
  Identity identity;
  // kUsersFile: the entry and the snapshot of the users file that holds it (SIGHUP replaces
  // the live set; the session keeps its snapshot until it looks the key up again).
  std::shared_ptr<const UserDb> users;
  const User* entry = nullptr;
  // The key id of the certificate that vouched for the key; empty for a plain key.
  std::string key_id;

  [[nodiscard]] static SessionUser from_file(std::shared_ptr<const UserDb> users,
                                             const User& entry);
  [[nodiscard]] static SessionUser from_api(const ApiUser& user);
};

struct AccessGranted {};
struct AccessDenied {
  // Shown to the client as it is when not empty (the host's message). Otherwise gitgate's own
  // words: a push refused to a user who may read the repository says so; anything else reads
  // like a missing repository, so that a client cannot probe which ones exist.
  std::string host_message;
  bool may_read = false;
  std::string reason;  // for the diagnostic line: "alice may not read it"
};
struct AccessUnknown {
  ApiFailure failure;  // the host could not answer: the client is told to try again
};
using AccessDecision = std::variant<AccessGranted, AccessDenied, AccessUnknown>;

// May `user` read (fetch) or write (push, which implies read) `repository`, the canonical
// path relative to the repositories root ("demo/repo.git"), from client_address (the real
// client's, as the PROXY header named it)? Users-file users: the globs, no I/O. Host-API
// users: one POST /ssh/allowed through host (a null host refuses as unknown).
[[nodiscard]] AccessDecision decide_access(const SessionUser& user, HostDirectory* host,
                                           std::string_view repository, Action action,
                                           std::string_view client_address);

}  // namespace gitgate::auth
