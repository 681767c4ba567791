#include "server/git_request.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
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
#include "server/session_policy.h"

namespace gitgate::server {
namespace {

using Clock = std::chrono::system_clock;

// Longest client-chosen path the action field shows; a longer one ends with "...".
constexpr size_t kMaxUnresolvedPathBytes = 256;

std::string user_label(const auth::User& user) {
  return "ssh:user:id:" + std::to_string(user.identity.id);
}

// The access-log record of one request, from its i-line to its o-line.
class LoggedRequest {
 public:
  LoggedRequest(ServerContext& context, const SessionFacts& facts, git::Service service,
                std::string_view display)
      : context_(context) {
    record_.client = facts.connection->client;
    record_.load_balancer = load_balancer_of(*facts.connection);
    record_.user = facts.user->identity.name;
    record_.action = "SSH - " + git::format_exec_command(service, display);
    record_.details = facts.client_banner;
    record_.session_id = facts.session_id;
    record_.start = Clock::now();
    record_.request_id = context_.request_ids.start(record_.start);
    context_.access_log.write(format_access_line(record_, logging::LineKind::kStart));
  }
  ~LoggedRequest() { context_.request_ids.finish(); }
  LoggedRequest(const LoggedRequest&) = delete;
  LoggedRequest& operator=(const LoggedRequest&) = delete;

  void finish(int exit_status, const SshChannelStream& stream, std::vector<std::string> labels) {
    record_.end = Clock::now();
    record_.exit_status = exit_status;
    record_.bytes_read = stream.bytes_read();
    record_.bytes_written = stream.bytes_written();
    record_.labels = std::move(labels);
    context_.access_log.write(format_access_line(record_, logging::LineKind::kEnd));
  }

 private:
  ServerContext& context_;
  logging::AccessRecord record_;
};

int run_upload_pack(ServerContext& context, const SessionFacts& facts,
                    const git::ExecCommand& command, SshChannelStream& stream) {
  const auth::User& user = *facts.user;
  auto resolved = git::resolve_repository(context.config.repositories, command.path);
  const auto* repository = std::get_if<git::ResolvedRepository>(&resolved);
  const std::string display = logged_repository_path(resolved, command.path);
  LoggedRequest logged(context, facts, command.service, display);

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
    logged.finish(kExitFatal, stream,
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
  logged.finish(result.exit_status, stream, std::move(result.labels));
  return result.exit_status;
}

int refuse_push(ServerContext& context, const SessionFacts& facts, const git::ExecCommand& command,
                SshChannelStream& stream) {
  const std::string display = logged_repository_path(
      git::resolve_repository(context.config.repositories, command.path), command.path);
  LoggedRequest logged(context, facts, command.service, display);
  spdlog::warn("[session {}] request refused: push to {} is not supported user={} {}",
               facts.session_id, logging::printable(display), facts.user->identity.name,
               address_fields(*facts.connection));
  stream.write_stderr(push_refusal_message());
  logged.finish(kExitFatal, stream, {"push", user_label(*facts.user)});
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
