// The SSH exec command a git client sends: "git-upload-pack '/demo/repo.git'".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace gitgate::git {

enum class Service : uint8_t { kUploadPack, kReceivePack, kUploadArchive };

struct ExecCommand {
  Service service = Service::kUploadPack;
  std::string path;  // as the client wrote it, unquoted
};

struct ExecError {
  std::string reason;  // shown to the client
};

// Accepts "git-upload-pack 'p'", "git upload-pack 'p'", likewise receive-pack,
// with git's sq_quote rules ('\'' and '\!' escapes); unquoted paths too.
[[nodiscard]] std::variant<ExecCommand, ExecError> parse_exec_command(std::string_view command);
[[nodiscard]] std::string_view service_name(Service service);  // "git-upload-pack"

// git's sq_quote (quote.c): a'b -> 'a'\''b', a!b -> 'a'\!'b'.
[[nodiscard]] std::string sq_quote(std::string_view text);
// The normalized command: "git-upload-pack '/demo/repo.git'" (for the access log's action).
[[nodiscard]] std::string format_exec_command(Service service, std::string_view path);

// Limits of what parse_exec_command accepts.
inline constexpr size_t kMaxRepositoryPathBytes = 4096;
// The longest path quoted with an escape for every byte, plus the command name.
inline constexpr size_t kMaxExecCommandBytes = 64 + 4 * kMaxRepositoryPathBytes;

}  // namespace gitgate::git
