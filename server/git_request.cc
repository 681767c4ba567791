#include "server/git_request.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "auth/session_user.h"
#include "git/exec_command.h"
#include "git/receive_pack.h"
#include "git/repo_path.h"
#include "git/upload_archive.h"
#include "git/upload_pack.h"
#include "logging/access_log.h"
#include "logging/diagnostics.h"
#include "server/certificate_login.h"
#include "server/request_log.h"
#include "server/session_policy.h"

namespace gitgate::server {
namespace {

// Longest client-chosen path the action field shows; a longer one ends with "...".
constexpr size_t kMaxUnresolvedPathBytes = 256;

// "ssh:user:id:N" (both sources' ids share one space: README, "Sources of users"), and beside
// it "ssh:id:<key id>" for a certificate login.
void add_user_labels(std::vector<std::string>& labels, const auth::SessionUser& user) {
  labels.push_back("ssh:user:id:" + std::to_string(user.identity.id));
  if (!user.key_id.empty()) {
    labels.push_back(certificate_label(user.key_id));
  }
}

// The request's access-log record as the session knows it at the start.
LoggedRequest start_request(ServerContext& context, const SessionFacts& facts, git::Service service,
                            std::string_view display, const SshChannelStream& stream) {
  logging::AccessRecord record;
  record.client = facts.connection->client;
  record.load_balancer = facts.connection->load_balancer;
  record.user = facts.user->identity.name;
  record.action = "SSH - " + git::format_exec_command(service, display);
  record.details = facts.client_banner;
  record.session_id = facts.session_id;
  add_user_labels(record.labels, *facts.user);
  return LoggedRequest(RequestLogContext{context.access_log, context.request_ids, context.requests},
                       std::move(record), stream);
}

// Why a request is refused before any protocol is spoken: the diagnostic's words, and the
// message on the channel's stderr.
struct Refusal {
  std::string reason;
  std::string message;
};

// May the session's user do `action` with the repository? nullopt when it may. A path that
// did not resolve is refused like a repository the user may not read: missing and forbidden
// look the same to the client, the diagnostic says which. The Git host's own refusal is shown
// with its message; a host that could not answer is named in the diagnostic only.
std::optional<Refusal> check_access(
    ServerContext& context, const SessionFacts& facts, std::string_view requested,
    const std::variant<git::ResolvedRepository, git::RepoPathError>& resolved,
    const std::string& display, auth::Action action) {
  if (const auto* error = std::get_if<git::RepoPathError>(&resolved)) {
    // The reason quotes the client's path: it is escaped like the rest of the line.
    return Refusal{
        "repository " + logging::printable(display) + ": " + logging::printable(error->reason),
        repository_refusal_message(requested)};
  }
  const auto& repository = std::get<git::ResolvedRepository>(resolved);
  const auth::AccessDecision decision =
      auth::decide_access(*facts.user, context.host_api.get(), repository.relative, action,
                          facts.connection->client.ip_string());
  if (std::holds_alternative<auth::AccessGranted>(decision)) {
    return std::nullopt;
  }
  const std::string where = "repository " + repository.display + ": ";
  if (const auto* unknown = std::get_if<auth::AccessUnknown>(&decision)) {
    return Refusal{where + "the Git host could not be asked: " +
                       logging::printable(unknown->failure.describe()),
                   host_unreachable_message()};
  }
  const auto& denied = std::get<auth::AccessDenied>(decision);
  std::string message;
  if (!denied.host_message.empty()) {
    message = host_refusal_message(denied.host_message);
  } else if (denied.may_read) {
    message = push_refusal_message(facts.user->identity.name, repository.display);
  } else {
    message = repository_refusal_message(requested);
  }
  return Refusal{where + logging::printable(denied.reason), std::move(message)};
}

// One diagnostic line naming the real client, the message on the channel's stderr, the o-line
// with status 128. No protocol was spoken; the label says which one the client asked for.
int refuse(const SessionFacts& facts, LoggedRequest& logged, SshChannelStream& stream,
           const Refusal& refusal) {
  spdlog::warn("[session {}] request refused: {} user={} {}", facts.session_id, refusal.reason,
               facts.user->identity.name, address_fields(*facts.connection));
  stream.write_stderr(refusal.message);
  logged.labels().add("protocol:" + std::to_string(facts.protocol_version));
  logged.finish(kExitFatal);
  return kExitFatal;
}

int run_upload_pack(ServerContext& context, const SessionFacts& facts,
                    const git::ExecCommand& command, SshChannelStream& stream) {
  const auth::SessionUser& user = *facts.user;
  auto resolved = git::resolve_repository(context.config.repositories, command.path);
  const auto* repository = std::get_if<git::ResolvedRepository>(&resolved);
  const std::string display = logged_repository_path(resolved, command.path);
  LoggedRequest logged = start_request(context, facts, command.service, display, stream);
  // upload-archive reads what upload-pack reads: the same access decision.
  const bool archive = command.service == git::Service::kUploadArchive;
  if (archive) {
    logged.labels().add("archive");  // known from the start, whatever ends the request
  }
  if (auto refusal =
          check_access(context, facts, command.path, resolved, display, auth::Action::kRead)) {
    return refuse(facts, logged, stream, *refusal);
  }

  git::UploadPackResult result;
  if (archive) {
    auto served = git::serve_upload_archive({repository->directory}, stream);
    for (const std::string& label : served.labels) {
      logged.labels().add(label);
    }
    result = {served.exit_status, {}, std::move(served.error)};
  } else {
    git::UploadPackRequest request{repository->directory, facts.protocol_version};
    request.cache = context.pack_cache;
    request.limits = facts.settings->limits.request;
    request.labels = &logged.labels();
    result = git::serve_upload_pack(request, stream);
  }
  if (result.exit_status != 0) {
    spdlog::warn("[session {}] {} {} failed with status {}: {} user={} {}", facts.session_id,
                 archive ? "upload-archive" : "upload-pack", repository->display,
                 result.exit_status, logging::printable(result.error), user.identity.name,
                 address_fields(*facts.connection));
  }
  logged.finish(result.exit_status);
  return result.exit_status;
}

// A push needs write access (which implies read): one decision, the users file's write globs or
// the host's "write". A users-file user who may not even read it is told what a missing
// repository tells, so that a push cannot probe which repositories exist; one who may read it
// is told that the push is what is refused; the host's refusal says what the host says.
int run_receive_pack(ServerContext& context, const SessionFacts& facts,
                     const git::ExecCommand& command, SshChannelStream& stream) {
  const auth::SessionUser& user = *facts.user;
  auto resolved = git::resolve_repository(context.config.repositories, command.path);
  const auto* repository = std::get_if<git::ResolvedRepository>(&resolved);
  const std::string display = logged_repository_path(resolved, command.path);
  LoggedRequest logged = start_request(context, facts, command.service, display, stream);
  logged.labels().add("push");
  if (auto refusal =
          check_access(context, facts, command.path, resolved, display, auth::Action::kWrite)) {
    return refuse(facts, logged, stream, *refusal);
  }

  git::ReceivePackRequest request;
  request.repository = repository->directory;
  request.protocol_version = facts.protocol_version;
  request.pusher.user_name = user.identity.name;
  request.pusher.user_id = static_cast<uint64_t>(user.identity.id);
  request.pusher.client_address = facts.connection->client.ip_string();
  request.pusher.request_id = logged.request_id();
  request.settings = facts.settings->push;
  request.cache = context.pack_cache;
  request.labels = &logged.labels();
  // request.keepalive stays git's receive.keepAlive (5 s).
  git::ReceivePackResult result = git::serve_receive_pack(request, stream);
  if (result.exit_status != 0) {
    spdlog::warn("[session {}] receive-pack {} failed with status {}: {} user={} {}",
                 facts.session_id, repository->display, result.exit_status,
                 logging::printable(result.error), user.identity.name,
                 address_fields(*facts.connection));
  } else if (!result.error.empty()) {  // some refs were refused: the client was told why
    spdlog::info("[session {}] receive-pack {}: {} user={} {}", facts.session_id,
                 repository->display, logging::printable(result.error), user.identity.name,
                 address_fields(*facts.connection));
  }
  const bool rejected = logged.labels().has("rejected");
  const int status = result.exit_status == 0 && rejected ? kExitPushRejected : result.exit_status;
  // Bytes read are the pack's, as on Bitbucket: what the push brought, not its commands.
  logged.finish(status, result.pack_bytes);
  return status;
}

}  // namespace

// As resolved, so that two spellings of one repository (an alias symlink, "//demo/repo")
// log the same. A path that does not resolve is never logged raw: empty components are
// dropped, one '/' leads, a long one is cut, and the access log escapes the bytes left.
std::string logged_repository_path(
    const std::variant<git::ResolvedRepository, git::RepoPathError>& resolved,
    std::string_view requested) {
  if (const auto* repository = std::get_if<git::ResolvedRepository>(&resolved)) {
    return repository->display;
  }
  std::string path;
  for (size_t start = 0; start < requested.size();) {
    const size_t slash = std::min(requested.find('/', start), requested.size());
    if (slash > start) {
      path += '/';
      path.append(requested.substr(start, slash - start));
    }
    start = slash + 1;
  }
  if (path.size() > kMaxUnresolvedPathBytes) {
    path.resize(kMaxUnresolvedPathBytes);
    path += "...";
  }
  return path.empty() ? "/" : path;
}

int run_exec_request(ServerContext& context, const SessionFacts& facts, std::string_view command,
                     SshChannelStream& stream) {
  auto parsed = git::parse_exec_command(command);
  const auto* exec = std::get_if<git::ExecCommand>(&parsed);
  if (exec == nullptr) {
    const std::string why = std::get<git::ExecError>(parsed).reason;
    spdlog::warn("[session {}] command refused: {} ({}) user={} {}", facts.session_id,
                 logging::printable(command), why, facts.user->identity.name,
                 address_fields(*facts.connection));
    stream.write_stderr(command_refusal_message(command));
    return kExitFatal;
  }
  if (exec->service == git::Service::kReceivePack) {
    return run_receive_pack(context, facts, *exec, stream);
  }
  // upload-pack and upload-archive (the tree of a ref the user may read).
  return run_upload_pack(context, facts, *exec, stream);
}

}  // namespace gitgate::server
