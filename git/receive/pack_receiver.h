// Receives the pack that follows a push's command list into a file: the bytes the
// pkt-line reader already buffered, then the stream's, each through PackStreamReader
// (which finds the pack's end and applies the size and count limits as bytes arrive)
// and onto disk, so that memory use does not grow with the pack.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <variant>

#include "git/push_settings.h"
#include "git/stream.h"

namespace gitgate::git::detail {

struct ReceivedPack {
  uint64_t bytes = 0;    // of the pack, trailer included
  uint32_t objects = 0;  // the header's count
};
struct PackReceiveFailure {
  std::string reason;        // for the client: the reader's reason, or "the remote end hung up"
  uint64_t bytes = 0;        // received before the failure
  bool client_gone = false;  // end of input or a read error: nobody to report to
};

// Writes the pack to file (created, must not exist). On failure the file may remain:
// it lives in the quarantine, which goes with it.
std::variant<ReceivedPack, PackReceiveFailure> receive_pack_file(Stream& stream,
                                                                 std::span<const uint8_t> buffered,
                                                                 const std::filesystem::path& file,
                                                                 const PushSettings& limits);

}  // namespace gitgate::git::detail
