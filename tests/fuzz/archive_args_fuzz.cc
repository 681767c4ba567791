// Feeds arbitrary bytes to upload-archive's request parser (argument pkt-lines up to a
// flush) and the arguments it yields to parse_archive_args(); the same bytes cut at NUL
// bytes go to parse_archive_args() as arguments too, and each argument, made a pathspec,
// to normalize_pathspec(). Checks what each promises: no more than it was given, no more
// than 64 arguments and no NUL in one, a level only where git allows one, a normalised
// pathspec that neither climbs out nor starts at the root.
#include <span>
#include <string>
#include <vector>

#include "git/archive/archive_args.h"
#include "git/archive/archive_tree.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace detail = gitgate::git::detail;
using gitgate::fuzz::check;

void check_args(const std::vector<std::string>& arguments) {
  const auto result = detail::parse_archive_args(arguments);
  if (const auto* args = std::get_if<detail::ArchiveArgs>(&result)) {
    if (args->list) {
      check(args->paths.empty());
      return;
    }
    check(args->compression_level >= -1 && args->compression_level <= 9);
    check(args->compression_level == -1 || args->format != detail::ArchiveFormat::kTar);
    check(args->paths.size() < arguments.size() || arguments.empty());
  } else {
    check(!std::get<detail::ArchiveArgsError>(result).reason.empty());
  }
  for (const std::string& argument : arguments) {
    if (const auto normalized = detail::normalize_pathspec(argument)) {
      check(!normalized->starts_with("/"));
      check(*normalized != ".." && !normalized->starts_with("../"));
      check(normalized->find("/../") == std::string::npos);
      check(normalized->find("//") == std::string::npos);
    }
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  const auto packets = detail::parse_argument_packets(input);
  if (const auto* parsed = std::get_if<detail::ArgumentsParsed>(&packets)) {
    check(parsed->consumed >= 4 && parsed->consumed <= size);
    check(parsed->arguments.size() <= detail::kMaxArchiveArguments);
    for (const std::string& argument : parsed->arguments) {
      check(argument.find('\0') == std::string::npos);
    }
    check_args(parsed->arguments);
  } else if (const auto* invalid = std::get_if<detail::ArgumentsInvalid>(&packets)) {
    check(!invalid->reason.empty());
  }
  std::vector<std::string> arguments(1);
  for (const uint8_t byte : input) {
    if (byte == 0) {
      arguments.emplace_back();
    } else {
      arguments.back().push_back(static_cast<char>(byte));
    }
  }
  check_args(arguments);
  return 0;
}
