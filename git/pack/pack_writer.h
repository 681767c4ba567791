// How a chosen set of objects becomes a pack (gitprotocol-pack "Packfile Data",
// gitformat-pack). Which objects to send is decided elsewhere (select/object_selection);
// a writer only encodes. The writer reuses the deltas already stored in the repository's
// packs.
#pragma once

#include <git2.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gitgate::git {

namespace pack {
class PackStore;
}

struct PackObject {
  git_oid id{};
  std::string path;  // where a tree or blob was found ("" for commits and tags): a delta hint
};

struct ObjectSet {
  // Each object once: commits first, in walk order, or, when a bitmap chose them, in the
  // order of the bitmapped pack, then those outside it.
  std::vector<PackObject> objects;
  // Set for a thin pack (capability/argument "thin-pack", and common commits): whether the
  // client has an object, so that a stored delta against it may be sent as a REF_DELTA
  // without its base (the client completes the pack with `index-pack --fix-thin`).
  // Empty: a complete pack. Only objects the client surely has may answer true.
  std::function<bool(const git_oid&)> client_has;
};

// How a writer may encode the objects: what the client accepts, whichever objects they are.
struct PackOptions {
  // The client accepts OFS_DELTA entries (capability/argument "ofs-delta"); when false a
  // writer refers to delta bases by name (REF_DELTA) only.
  bool ofs_delta = true;
};

// Where a writer puts its output: the pack bytes in order, and progress text.
// upload-pack's sink (Output, protocol/upload_pack_io.h) takes a lock in each call, because a
// keepalive thread writes through the same stream while the writer computes: a writer needs no hook
// for keepalives, and its calls may come from any one thread at a time.
class PackSink {
 public:
  virtual ~PackSink() = default;
  // False when the client is gone: the writer stops.
  virtual bool pack_data(std::span<const uint8_t> bytes) = 0;
  // A progress line or update, "\r"- or "\n"-terminated, as git prints it.
  virtual void progress(std::string_view text) = 0;
};

class PackWriter {
 public:
  virtual ~PackWriter() = default;
  // Writes one pack of exactly objects: complete, or thin where objects.client_has allows
  // it (a writer may ignore it). nullopt on success, else what went wrong (the sink may
  // have received part of the pack).
  virtual std::optional<std::string> write(git_repository* repo, const ObjectSet& objects,
                                           const PackOptions& options, PackSink& sink) = 0;
};

// Streams the entries stored in the repository's packs as they are (deltas whose base is
// sent too stay deltas); only objects without a usable stored entry are compressed afresh.
// packs: the repository's packs when the caller has them already (detail::repository_packs
// when null).
std::unique_ptr<PackWriter> make_reusing_pack_writer(
    std::shared_ptr<const pack::PackStore> packs = nullptr);

}  // namespace gitgate::git
