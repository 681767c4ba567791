// The [push] settings of one receive-pack request: what a push may carry and what the
// server does with it. Part of ReceivePackRequest; the server fills it from the config.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace gitgate::git {

struct PushSettings {
  // Objects are checked like `git fsck --strict` before any ref moves ([push] fsck).
  bool fsck = true;
  // The repository's hooks/ are run as git runs them ([push] hooks).
  bool hooks = true;
  // Each hook may run this long; then it is killed and the push refused.
  std::chrono::seconds hook_timeout{600};
  // `git maintenance run --auto` in the background after a push ([push] auto_maintenance).
  bool auto_maintenance = true;
  // Pack bytes one push may send, checked as they arrive ([push] max_pack_mb, 2048).
  uint64_t max_pack_bytes = uint64_t{2048} << 20;
  // Objects in one pushed pack, and the inflated size of any one of them.
  uint64_t max_objects = 10'000'000;
  uint64_t max_object_bytes = uint64_t{1} << 30;
  // Ref update commands of one push (a mirror push of a 100k-ref repository sends 100k),
  // push options and the bytes of each (git's client sends what the user typed).
  size_t max_commands = 1'000'000;
  size_t max_push_options = 1000;
  size_t max_push_option_bytes = 4096;
  // Bytes of the command list (as the upload-pack request limit): 64 MiB.
  size_t max_command_list_bytes = size_t{64} << 20;
};

}  // namespace gitgate::git
