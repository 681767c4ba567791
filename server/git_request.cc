#include "server/git_request.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "git/exec_command.h"
#include "git/repo_path.h"
#include "git/upload_pack.h"
#include "logging/access_log.h"
#include "logging/diagnostics.h"
#include "server/request_log.h"
#include "server/session_policy.h"

namespace gitgate::server {
namespace {

std::string user_label(const auth::User& user) {
  return "ssh:user:id:" + std::to_string(user.identity.id);
}

// The request's access-log record as the session knows it at the start.
LoggedRequest start_request(ServerContext& context, const SessionFacts& facts, git::Service service,
                            std::string_view display, const SshChannelStream& stream) {
  logging::AccessRecord record;
  record.client = facts.connection->client;
  record.load_balancer = load_balancer_of(*facts.connection);
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
  const std::string display =
      repository != nullptr ? repository->display : display_path(command.path);
  LoggedRequest logged = start_request(context, facts, command.service, display, stream);

  // Missing and forbidden look the same to the client; the diagnostic says which.
  std::string refusal;
  if (const auto* error = std::get_if<git::RepoPathError>(&resolved)) {
    refusal = "repository " + logging::printable(display) + ": " + error->reason;
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
  LoggedRequest logged =
      start_request(context, facts, command.service, display_path(command.path), stream);
  spdlog::warn("[session {}] request refused: push to {} is not supported user={} {}",
               facts.session_id, logging::printable(display_path(command.path)),
               facts.user->identity.name, address_fields(*facts.connection));
  stream.write_stderr(push_refusal_message());
  logged.finish(kExitFatal, {"push", user_label(*facts.user)});
  return kExitFatal;
}

}  // namespace

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
