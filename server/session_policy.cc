#include "server/session_policy.h"

#include <fmt/format.h>

#include <algorithm>

#include "logging/diagnostics.h"

namespace gitgate::server {
namespace {

constexpr std::string_view kVersionKey = "version";

// "1" -> 1, "2" -> 2; git knows no other versions (protocol.c parse_protocol_version).
int parse_version_value(std::string_view value) {
  if (value == "1") {
    return 1;
  }
  if (value == "2") {
    return 2;
  }
  return 0;
}

std::string shown(std::string_view text) { return logging::printable(text, kMaxShownBytes); }

}  // namespace

int parse_git_protocol(std::string_view value) {
  int version = 0;
  while (!value.empty()) {
    const size_t colon = value.find(':');
    const std::string_view param = value.substr(0, colon);
    value = colon == std::string_view::npos ? std::string_view{} : value.substr(colon + 1);
    const size_t equals = param.find('=');
    if (equals == std::string_view::npos || param.substr(0, equals) != kVersionKey) {
      continue;
    }
    version = std::max(version, parse_version_value(param.substr(equals + 1)));
  }
  return version;
}

bool is_accepted_env(std::string_view name) { return name == "GIT_PROTOCOL"; }

std::string shell_refusal_message(std::string_view user_name) {
  return fmt::format(
      "gitgate: hi {}! You've successfully authenticated, but interactive shells are not "
      "provided.\n"
      "gitgate: use git, e.g. git clone ssh://git@<this host>/<project>/<repository>.git\n",
      shown(user_name));
}

std::string subsystem_refusal_message(std::string_view subsystem) {
  return fmt::format("gitgate: subsystem not provided: {}; only git commands are served\n",
                     shown(subsystem));
}

std::string command_refusal_message(std::string_view command) {
  return fmt::format("gitgate: command not allowed: {}\n", shown(command));
}

std::string for_terminal(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 4);
  for (const char c : message) {
    if (c == '\n') {
      out.push_back('\r');
    }
    out.push_back(c);
  }
  return out;
}

// "fatal: " as git's own refusals begin, so that the client shows it as the reason.
std::string push_refusal_message(std::string_view user_name, std::string_view repository) {
  if (repository.starts_with('/')) {
    repository.remove_prefix(1);
  }
  return fmt::format("fatal: {} may not push to {}\n", shown(user_name), shown(repository));
}

std::string repository_refusal_message(std::string_view requested_path) {
  return fmt::format("fatal: repository '{}' does not exist or you do not have access\n",
                     shown(display_path(requested_path)));
}

std::string host_refusal_message(std::string_view message) {
  return fmt::format("fatal: {}\n", message);
}

std::string host_unreachable_message() { return fmt::format("fatal: {}\n", kHostUnreachableLine); }

std::string address_fields(const proxyproto::ConnectionInfo& info) {
  return logging::connection_addresses(info.client, info.load_balancer);
}

std::string display_path(std::string_view requested_path) {
  if (!requested_path.empty() && requested_path.front() == '/') {
    return std::string(requested_path);
  }
  return "/" + std::string(requested_path);
}

}  // namespace gitgate::server
