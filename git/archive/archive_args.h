// What a `git archive --remote` client sends to git-upload-archive, parsed without I/O:
// the "argument" pkt-lines up to the flush, then the arguments as git's
// parse_archive_args() reads them with is_remote=1 (archive.c).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gitgate::git::detail {

// builtin/upload-archive.c: MAX_ARGS (64); git dies on the packet after the 64th argument.
inline constexpr size_t kMaxArchiveArguments = 64;

struct ArgumentsParsed {
  std::vector<std::string> arguments;  // without the "argument " keyword and trailing LF
  size_t consumed = 0;                 // bytes of input up to and including the flush
};
struct ArgumentsNeedMore {};
struct ArgumentsInvalid {
  std::string reason;  // one line, for the client
};
using ArgumentsResult = std::variant<ArgumentsParsed, ArgumentsNeedMore, ArgumentsInvalid>;

// Parses "argument <arg>" pkt-lines up to a flush from the start of input.
[[nodiscard]] ArgumentsResult parse_argument_packets(std::span<const uint8_t> input);

enum class ArchiveFormat : uint8_t { kTar, kTarGz, kZip };

struct ArchiveArgs {
  ArchiveFormat format = ArchiveFormat::kTar;
  std::string format_name = "tar";  // as asked ("tgz" and "tar.gz" are one format)
  std::string prefix;               // --prefix, prepended as given
  int compression_level = -1;       // -N; -1: the format's default
  bool list = false;                // --list: name the formats, write no archive
  bool verbose = false;             // -v: name each entry on the progress band
  std::string tree_ish;             // "<ref>" or "<ref>:<path>"
  std::vector<std::string> paths;   // pathspecs, as given
};
struct ArchiveArgsError {
  std::string reason;  // one line, for the client
};

// The formats a remote client may ask for, in git's order (`git archive --remote=... --list`).
[[nodiscard]] std::span<const std::string_view> remote_archive_formats();

// git's parse_archive_args() with is_remote=1 over the client's arguments (argv[1..]).
[[nodiscard]] std::variant<ArchiveArgs, ArchiveArgsError> parse_archive_args(
    std::span<const std::string> arguments);

}  // namespace gitgate::git::detail
