// Finds where a pushed pack ends as its bytes arrive (gitprotocol-pack: the pack follows
// the command list; the client then waits for the report, so nothing marks the end but
// the pack's own framing): the 12-byte header, each entry's header and zlib stream, the
// 20-byte trailer. A pure, resumable parser over byte spans, as proxyproto's: it keeps no
// bytes, only where it is. Limits are checked on each entry header, before its data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "git/push_settings.h"

namespace gitgate::git::detail {

class PackStreamReader {
 public:
  explicit PackStreamReader(const PushSettings& limits);
  ~PackStreamReader();
  PackStreamReader(const PackStreamReader&) = delete;
  PackStreamReader& operator=(const PackStreamReader&) = delete;

  struct Progress {
    size_t consumed = 0;  // bytes of input that belong to the pack (all of it until done)
    bool done = false;    // the trailer was read: consumed ends the pack
  };
  struct Error {
    std::string reason;  // "pack exceeds max_pack_mb (2048 MiB)", "bad pack header", ...
  };
  // The next bytes of the stream. After done or an error the reader is spent.
  std::variant<Progress, Error> feed(std::span<const uint8_t> bytes);

  [[nodiscard]] uint32_t object_count() const;  // from the header; 0 before it
  [[nodiscard]] uint32_t objects_seen() const;  // entries whose data has ended
  [[nodiscard]] uint64_t bytes_seen() const;

 private:
  struct State;
  State* state_;
};

}  // namespace gitgate::git::detail
