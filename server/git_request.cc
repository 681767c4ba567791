#include "server/git_request.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "git/exec_command.h"
#include "git/repo_path.h"
#include "git/upload_pack.h"
#include "logging/access_log.h"
#include "logging/diagnostics.h"
#include "server/request_log.h"
#include "server/session_policy.h"

namespace gitgate::server {
namespace {

// Longest client-chosen path the action field shows; a longer one ends with "...".
constexpr size_t kMaxUnresolvedPathBytes = 256;

std::string user_label(const auth::User& user) {
  return "ssh:user:id:" + std::to_string(user.identity.id);
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
  record.labels = {user_label(*facts.user)};
  return LoggedRequest(RequestLogContext{context.access_log, context.request_ids, context.requests},
                       std::move(record), stream);
}

int run_upload_pack(ServerContext& context, const SessionFacts& facts,
                    const git::ExecCommand& command, SshChannelStream& stream) {
  const auth::User& user = *facts.user;
  auto resolved = git::resolve_repository(context.config.repositories, command.path);
  const auto* repository = std::get_if<git::ResolvedRepository>(&resolved);
  const std::string display = logged_repository_path(resolved, command.path);
  LoggedRequest logged = start_request(context, facts, command.service, display, stream);

  // Missing and forbidden look the same to the client; the diagnostic says which.
  std::string refusal;
  if (const auto* error = std::get_if<git::RepoPathError>(&resolved)) {
    // The reason quotes the client's path: it is escaped like the rest of the line.
    refusal =
        "repository " + logging::printable(display) + ": " + logging::printable(error->reason);
  } else if (!auth::UserDb::can_read(user, repository->relative)) {
    refusal = "repository " + repository->display + ": " + user.identity.name + " may not read it";
  }
  if (!refusal.empty()) {
    spdlog::warn("[session {}] request refused: {} user={} {}", facts.session_id, refusal,
                 user.identity.name, address_fields(*facts.connection));
    stream.write_stderr(repository_refusal_message(command.path));
    // No protocol was spoken; the label says which one the client asked for.
    logged.finish(kExitFatal,
                  {"protocol:" + std::to_string(facts.protocol_version), user_label(user)});
    return kExitFatal;
  }

  git::UploadPackRequest request{repository->directory, facts.protocol_version};
  request.cache = context.pack_cache;
  request.limits = context.config.limits.request;
  git::UploadPackResult result = git::serve_upload_pack(request, stream);
  if (result.exit_status != 0) {
    spdlog::warn("[session {}] upload-pack {} failed with status {}: {} user={} {}",
                 facts.session_id, repository->display, result.exit_status,
                 logging::printable(result.error), user.identity.name,
                 address_fields(*facts.connection));
  }
  result.labels.push_back(user_label(user));
  logged.finish(result.exit_status, std::move(result.labels));
  return result.exit_status;
}

int refuse_push(ServerContext& context, const SessionFacts& facts, const git::ExecCommand& command,
                SshChannelStream& stream) {
  const std::string display = logged_repository_path(
      git::resolve_repository(context.config.repositories, command.path), command.path);
  LoggedRequest logged = start_request(context, facts, command.service, display, stream);
  spdlog::warn("[session {}] request refused: push to {} is not supported user={} {}",
               facts.session_id, logging::printable(display), facts.user->identity.name,
               address_fields(*facts.connection));
  stream.write_stderr(push_refusal_message());
  logged.finish(kExitFatal, {"push", user_label(*facts.user)});
  return kExitFatal;
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
  if (exec == nullptr || exec->service == git::Service::kUploadArchive) {
    const std::string why =
        exec == nullptr ? std::get<git::ExecError>(parsed).reason : "upload-archive is not served";
    spdlog::warn("[session {}] command refused: {} ({}) user={} {}", facts.session_id,
                 logging::printable(command), why, facts.user->identity.name,
                 address_fields(*facts.connection));
    stream.write_stderr(command_refusal_message(command));
    return kExitFatal;
  }
  if (exec->service == git::Service::kReceivePack) {
    return refuse_push(context, facts, *exec, stream);
  }
  return run_upload_pack(context, facts, *exec, stream);
}

}  // namespace gitgate::server
