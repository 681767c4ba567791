// The SSH exec request of a git client. git's connect.c builds it as
//   <program> SP sq_quote(<path>)          e.g.  git-upload-pack '/demo/repo.git'
// and git-shell (shell.c) is the reference for what a server accepts:
//
//   command  = program SP argument
//   program  = "git-" service / "git" SP service     ; shell.c: "git foo" means "git-foo"
//   service  = "upload-pack" / "receive-pack" / "upload-archive"
//   argument = quoted / bare
//   quoted   = "'" *sq-char "'" *( "\" ( "'" / "!" ) "'" *sq-char "'" )   ; quote.c sq_dequote
//   sq-char  = any byte except "'"
//   bare     = 1*( any byte except SP, "'", DQUOTE, "\" )
//
// Differences from git-shell, on purpose:
// - git-shell refuses a bare (unquoted) argument: sq_dequote() fails on it. We accept one
//   word without quotes, backslashes or spaces, as gitlab-shell does, so that a person can
//   type `ssh host git-upload-pack demo/repo.git`. Real git clients always quote, and the
//   bare form cannot express anything the quoted form cannot, so it opens no new path.
// - We refuse NUL and control bytes, overlong commands and paths outright: nothing
//   legitimate needs them, and they would otherwise reach log lines.
// Like git-shell we refuse a path starting with '-' (it could read as an option to a git
// program) and anything after the argument.
#include "git/exec_command.h"

#include <array>
#include <optional>
#include <string>
#include <utility>

namespace gitgate::git {
namespace {

struct ServiceEntry {
  std::string_view name;
  Service service;
};

constexpr std::array<ServiceEntry, 3> kServices{{
    {"git-upload-pack", Service::kUploadPack},
    {"git-receive-pack", Service::kReceivePack},
    {"git-upload-archive", Service::kUploadArchive},
}};

// How much of an unknown command the error repeats back.
constexpr size_t kMaxShownCommandBytes = 64;

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

// quote.c need_bs_quote(): the characters sq_quote escapes outside the quotes.
bool needs_backslash(char c) { return c == '\'' || c == '!'; }

std::string shown(std::string_view text) {
  if (text.size() <= kMaxShownCommandBytes) {
    return std::string(text);
  }
  return std::string(text.substr(0, kMaxShownCommandBytes)) + "...";
}

std::optional<ExecError> check_bytes(std::string_view command) {
  if (command.empty()) {
    return ExecError{"empty command"};
  }
  if (command.size() > kMaxExecCommandBytes) {
    return ExecError{"command is longer than " + std::to_string(kMaxExecCommandBytes) + " bytes"};
  }
  for (const char c : command) {
    if (c == '\0') {
      return ExecError{"command contains a NUL byte"};
    }
  }
  for (const char c : command) {
    if (is_control(c)) {
      return ExecError{"command contains control characters"};
    }
  }
  return std::nullopt;
}

// quote.c sq_dequote_step() with no "next" argument: the whole text is one argument.
std::variant<std::string, ExecError> sq_dequote(std::string_view text) {
  std::string out;
  size_t i = 1;  // text[0] is the opening quote
  for (;;) {
    const size_t close = text.find('\'', i);
    if (close == std::string_view::npos) {
      return ExecError{"unbalanced quotes in repository path"};
    }
    out.append(text.substr(i, close - i));
    i = close + 1;
    if (i == text.size()) {
      return out;
    }
    // Outside the quotes only \' and \! are allowed, and only when a quote follows.
    if (text[i] == '\\' && i + 2 < text.size() && needs_backslash(text[i + 1]) &&
        text[i + 2] == '\'') {
      out.push_back(text[i + 1]);
      i += 3;
      continue;
    }
    if (text[i] == ' ') {
      return ExecError{"unexpected arguments after the repository path"};
    }
    return ExecError{"invalid quoting in repository path"};
  }
}

std::variant<std::string, ExecError> bare_argument(std::string_view text) {
  for (const char c : text) {
    if (c == ' ') {
      return ExecError{"unexpected arguments after the repository path"};
    }
    if (c == '\'' || c == '"' || c == '\\') {
      return ExecError{"invalid quoting in repository path"};
    }
  }
  return std::string(text);
}

std::variant<std::string, ExecError> parse_argument(std::string_view text) {
  if (text.front() == ' ') {
    return ExecError{"unexpected spaces before the repository path"};
  }
  auto parsed = text.front() == '\'' ? sq_dequote(text) : bare_argument(text);
  if (auto* error = std::get_if<ExecError>(&parsed)) {
    return std::move(*error);
  }
  std::string path = std::move(std::get<std::string>(parsed));
  if (path.empty()) {
    return ExecError{"missing repository path"};
  }
  if (path.size() > kMaxRepositoryPathBytes) {
    return ExecError{"repository path is longer than " + std::to_string(kMaxRepositoryPathBytes) +
                     " bytes"};
  }
  if (path.front() == '-') {
    return ExecError{"repository path must not start with '-'"};
  }
  return path;
}

}  // namespace

std::variant<ExecCommand, ExecError> parse_exec_command(std::string_view command) {
  if (auto error = check_bytes(command)) {
    return std::move(*error);
  }
  // The program: the first word, or the first two when the first is "git".
  size_t end = command.find(' ');
  std::string program(command.substr(0, end));
  if (program == "git" && end != std::string_view::npos) {
    const size_t second = command.find(' ', end + 1);
    program = "git-" + std::string(command.substr(end + 1, second - (end + 1)));
    end = second;
  }
  const ServiceEntry* entry = nullptr;
  for (const auto& candidate : kServices) {
    if (candidate.name == program) {
      entry = &candidate;
    }
  }
  if (entry == nullptr) {
    return ExecError{"unknown command '" + shown(command.substr(0, end)) + "'"};
  }
  if (end == std::string_view::npos || end + 1 == command.size()) {
    return ExecError{"missing repository path"};
  }
  auto path = parse_argument(command.substr(end + 1));
  if (auto* error = std::get_if<ExecError>(&path)) {
    return std::move(*error);
  }
  return ExecCommand{entry->service, std::move(std::get<std::string>(path))};
}

std::string_view service_name(Service service) {
  for (const auto& entry : kServices) {
    if (entry.service == service) {
      return entry.name;
    }
  }
  return "git-upload-pack";  // unreachable: every Service is in kServices
}

std::string sq_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (needs_backslash(c)) {
      out += "'\\";
      out.push_back(c);
      out.push_back('\'');
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

std::string format_exec_command(Service service, std::string_view path) {
  return std::string(service_name(service)) + " " + sq_quote(path);
}

}  // namespace gitgate::git
