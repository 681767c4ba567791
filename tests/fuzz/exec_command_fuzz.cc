// parse_exec_command never crashes, and what it accepts survives a round trip:
// quoting the path the way a git client does (sq_quote) and parsing again gives
// the same service and path.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "git/exec_command.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto result = gitgate::git::parse_exec_command(input);
  if (const auto* error = std::get_if<gitgate::git::ExecError>(&result)) {
    if (error->reason.empty()) {
      std::abort();  // every refusal tells the client why
    }
    return 0;
  }
  const auto& command = std::get<gitgate::git::ExecCommand>(result);
  if (command.path.empty() || command.path.size() > gitgate::git::kMaxRepositoryPathBytes) {
    std::abort();
  }
  const auto again = gitgate::git::parse_exec_command(
      gitgate::git::format_exec_command(command.service, command.path));
  const auto* reparsed = std::get_if<gitgate::git::ExecCommand>(&again);
  if (reparsed == nullptr || reparsed->service != command.service ||
      reparsed->path != command.path) {
    std::abort();
  }
  return 0;
}
