// The SSH exec command a git client sends: "git-upload-pack '/demo/repo.git'".
#pragma once

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

}  // namespace gitgate::git
