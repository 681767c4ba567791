// PackWriter that streams the entries already stored in the repository's packs, as git's
// pack-objects does when it reuses deltas (builtin/pack-objects.c, "reuse_object").
//
// Order: objects found in a pack go out in that pack's offset order, pack after pack,
// then the rest. A stored OFS_DELTA's base precedes it in its pack, so the base is
// usually out already. A stored delta stays a delta only when its base has already been
// written to OUR pack: its header is re-encoded (OFS_DELTA distance measured in our
// output, or REF_DELTA for clients without ofs-delta) and its compressed data is copied.
// Deltas against bases not yet written never appear, so the pack is free of delta cycles;
// it is self-contained unless the client accepts a thin pack: then a stored delta whose
// base the client has (ObjectSet::client_has) goes out as a REF_DELTA naming that base. Everything
// else (base not sent, loose objects, damaged entries) is read through libgit2 and deflated afresh.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <algorithm>
#include <limits>
#include <unordered_set>

#include "git/pack/libgit2.h"
#include "git/pack/pack_entry.h"
#include "git/pack/pack_output.h"
#include "git/pack/pack_store.h"
#include "git/pack/pack_writer.h"
#include "git/pack/repository_packs.h"

namespace gitgate::git {
namespace {

using detail::last_error;
using detail::OdbPtr;
using detail::OidEqual;
using detail::OidHash;
using pack::EntryHeader;
using pack::EntryType;
using pack::kOidSize;

struct OdbObjectFree {
  void operator()(git_odb_object* object) const { git_odb_object_free(object); }
};
using OdbObjectPtr = std::unique_ptr<git_odb_object, OdbObjectFree>;

std::span<const uint8_t, kOidSize> bytes_of(const git_oid& id) {
  return std::span<const uint8_t, kOidSize>(id.id, kOidSize);
}

struct Planned {
  git_oid id{};
  std::optional<pack::Location> location;
  uint64_t offset = 0;  // in the pack of location
};

// Each object once, packed ones in (pack, offset) order, then the others as given.
// An object always resolves to the same location, so packed duplicates end up side by
// side after the sort; only the unpacked ones need a set to drop theirs.
std::vector<Planned> plan(const ObjectSet& objects, const pack::PackStore& store) {
  std::vector<Planned> planned;
  planned.reserve(objects.objects.size());
  for (const PackObject& object : objects.objects) {
    Planned entry{object.id, store.find(bytes_of(object.id))};
    if (entry.location) {
      entry.offset = entry.location->pack->index().offset(entry.location->position);
    }
    planned.push_back(entry);
  }
  std::stable_sort(planned.begin(), planned.end(), [](const Planned& a, const Planned& b) {
    if (!a.location || !b.location) {
      return a.location.has_value() && !b.location.has_value();
    }
    if (a.location->pack_id != b.location->pack_id) {
      return a.location->pack_id < b.location->pack_id;
    }
    return a.offset < b.offset;
  });
  std::unordered_set<git_oid, OidHash, OidEqual> unpacked;
  const auto duplicate =
      [&, previous = static_cast<const Planned*>(nullptr)](const Planned& entry) mutable {
        if (!entry.location) {
          return !unpacked.insert(entry.id).second;
        }
        const bool same = previous != nullptr &&
                          previous->location->pack_id == entry.location->pack_id &&
                          previous->offset == entry.offset;
        previous = &entry;
        return same;
      };
  planned.erase(std::remove_if(planned.begin(), planned.end(), duplicate), planned.end());
  return planned;
}

struct Counts {
  uint32_t reused = 0;         // entries copied as stored
  uint32_t reused_deltas = 0;  // of which deltas
  uint32_t thin = 0;           // of the deltas, against a base the client has
  uint32_t fresh = 0;          // compressed afresh
  uint32_t damaged = 0;        // stored entries whose CRC did not match the index
};

class Writer {
 public:
  Writer(const pack::PackStore& store, git_odb* odb, const ObjectSet& objects,
         const PackOptions& options, PackSink& sink)
      : store_(store),
        odb_(odb),
        ofs_delta_(options.ofs_delta),
        client_has_(objects.client_has),
        out_(sink) {
    written_.reserve(store.packs().size());
    for (const pack::Pack& pack : store.packs()) {
      written_.emplace_back(pack.index().size(), kNotWritten);
    }
  }

  std::optional<std::string> run(const std::vector<Planned>& planned) {
    if (planned.size() > std::numeric_limits<uint32_t>::max()) {
      return "too many objects for one pack";
    }
    const auto header = pack::encode_pack_header(static_cast<uint32_t>(planned.size()));
    out_.write(header);
    for (const Planned& object : planned) {
      const uint64_t start = out_.offset();
      if (!object.location || !try_reuse(*object.location)) {
        if (auto error = write_fresh(object.id)) {
          return error;
        }
      }
      if (!out_.write({})) {
        return "the client went away";
      }
      if (object.location) {
        written_[object.location->pack_id][object.location->position] = start;
        release_behind(*object.location, object.offset);
      }
    }
    for (const pack::Pack& pack : store_.packs()) {
      pack.release(0, pack.bytes().size());
    }
    if (!out_.finish()) {
      return "the client went away";
    }
    return std::nullopt;
  }

  const Counts& counts() const { return counts_; }

 private:
  // Packed objects go out in offset order, so the pages behind the current entry are not
  // read again: dropping them from time to time keeps the resident set of a large clone
  // small (the page cache keeps the data for the next request).
  void release_behind(const pack::Location& location, uint64_t offset) {
    static constexpr uint64_t kReleaseStep = uint64_t{32} << 20;
    if (location.pack_id != released_pack_) {
      released_pack_ = location.pack_id;
      released_upto_ = 0;
    }
    if (offset >= released_upto_ + kReleaseStep) {
      location.pack->release(released_upto_, offset);
      released_upto_ = offset;
    }
  }

  // Copies the stored entry, re-encoding a delta's header; false when it cannot be used.
  bool try_reuse(const pack::Location& location) {
    const pack::Pack& pack = *location.pack;
    const std::span<const uint8_t> entry = pack.entry(location.position);
    const uint64_t entry_offset = pack.index().offset(location.position);
    auto parsed = pack::parse_entry_header(entry, entry_offset);
    if (!std::holds_alternative<EntryHeader>(parsed)) {
      ++counts_.damaged;
      return false;
    }
    const EntryHeader& header = std::get<EntryHeader>(parsed);
    // A damaged entry must never reach the client: check it against the index.
    if (crc32_z(0L, entry.data(), entry.size()) != pack.index().crc32(location.position)) {
      ++counts_.damaged;
      return false;
    }
    const std::span<const uint8_t> data = entry.subspan(header.header_length);
    if (header.type != EntryType::kOfsDelta && header.type != EntryType::kRefDelta) {
      out_.write(entry);
      ++counts_.reused;
      return true;
    }
    const auto base = written_base(location, header);
    if (!base) {
      return reuse_thin(location, header, data);  // else the whole object goes instead
    }
    const uint64_t distance = out_.offset() - base->start;
    const pack::EncodedHeader encoded = ofs_delta_
                                            ? pack::encode_ofs_delta_header(header.size, distance)
                                            : pack::encode_ref_delta_header(header.size, base->oid);
    out_.write(encoded.view());
    out_.write(data);
    ++counts_.reused;
    ++counts_.reused_deltas;
    return true;
  }

  // A stored delta whose base the client has goes out thin: a REF_DELTA naming that base.
  bool reuse_thin(const pack::Location& location, const EntryHeader& header,
                  std::span<const uint8_t> data) {
    if (!client_has_) {
      return false;
    }
    git_oid base{};
    if (header.type == EntryType::kOfsDelta) {
      const auto position = location.pack->position_at(header.base_offset);
      if (!position) {
        return false;
      }
      const auto oid = location.pack->index().oid(*position);
      std::copy(oid.begin(), oid.end(), base.id);
    } else {
      std::copy(header.base_oid.begin(), header.base_oid.end(), base.id);
    }
    if (!client_has_(base)) {
      return false;
    }
    out_.write(pack::encode_ref_delta_header(header.size, bytes_of(base)).view());
    out_.write(data);
    ++counts_.reused;
    ++counts_.reused_deltas;
    ++counts_.thin;
    return true;
  }

  struct Base {
    uint64_t start = 0;  // in our output
    std::span<const uint8_t, kOidSize> oid;
  };

  // The base of a stored delta, if it is already in our output.
  std::optional<Base> written_base(const pack::Location& location, const EntryHeader& header) {
    std::optional<pack::Location> base;
    if (header.type == EntryType::kOfsDelta) {
      const auto position = location.pack->position_at(header.base_offset);
      if (!position) {
        return std::nullopt;
      }
      // Usually the base went out from this very entry; else from its copy in another pack.
      base = pack::Location{location.pack, location.pack_id, *position};
      if (written_[base->pack_id][base->position] == kNotWritten) {
        base = store_.find(location.pack->index().oid(*position));
      }
    } else {
      base = store_.find(header.base_oid);
    }
    if (!base || written_[base->pack_id][base->position] == kNotWritten) {
      return std::nullopt;
    }
    return Base{written_[base->pack_id][base->position], base->pack->index().oid(base->position)};
  }

  std::optional<std::string> write_fresh(const git_oid& id) {
    git_odb_object* raw = nullptr;
    if (git_odb_read(&raw, odb_, &id) != 0) {
      return last_error("cannot read an object");
    }
    OdbObjectPtr object(raw);
    const git_object_t type = git_odb_object_type(object.get());
    if (type < GIT_OBJECT_COMMIT || type > GIT_OBJECT_TAG) {
      return "unexpected object type";
    }
    const auto* data = static_cast<const uint8_t*>(git_odb_object_data(object.get()));
    const size_t size = git_odb_object_size(object.get());
    out_.write(pack::encode_entry_header(static_cast<EntryType>(type), size).view());
    // A refused write is noticed by the caller; only a zlib failure is an error here.
    if (!deflater_.compress(std::span(data, size), out_) && out_.write({})) {
      return "cannot compress an object";
    }
    ++counts_.fresh;
    return std::nullopt;
  }

  static constexpr uint64_t kNotWritten = std::numeric_limits<uint64_t>::max();

  const pack::PackStore& store_;
  git_odb* odb_;
  bool ofs_delta_;
  const std::function<bool(const git_oid&)>& client_has_;
  pack::PackOutput out_;
  pack::Deflater deflater_;
  // Where each packed object starts in our output, by [pack_id][position], entered once
  // its entry is complete, so a delta can only name a base that precedes it (no cycles,
  // never itself). Objects are written from the location PackStore::find gives them.
  std::vector<std::vector<uint64_t>> written_;
  uint32_t released_pack_ = 0;
  uint64_t released_upto_ = 0;  // in released_pack_
  Counts counts_;
};

class ReusingPackWriter : public PackWriter {
 public:
  explicit ReusingPackWriter(std::shared_ptr<const pack::PackStore> packs)
      : packs_(std::move(packs)) {}

  std::optional<std::string> write(git_repository* repo, const ObjectSet& objects,
                                   const PackOptions& options, PackSink& sink) override {
    git_odb* raw_odb = nullptr;
    if (git_repository_odb(&raw_odb, repo) != 0) {
      return last_error("cannot open the object database");
    }
    OdbPtr odb(raw_odb);
    const auto store = packs_ ? packs_ : detail::repository_packs(repo);
    const std::vector<Planned> planned = plan(objects, *store);
    Writer writer(*store, odb.get(), objects, options, sink);
    if (auto error = writer.run(planned)) {
      return error;
    }
    const Counts& counts = writer.counts();
    if (counts.damaged > 0) {
      spdlog::warn("pack writer: {} stored entries in {} failed their check, sent afresh",
                   counts.damaged, git_repository_commondir(repo));
    }
    sink.progress(fmt::format("Total {} (delta {}), reused {} (delta {}, thin {}), fresh {}\n",
                              planned.size(), counts.reused_deltas, counts.reused,
                              counts.reused_deltas, counts.thin, counts.fresh));
    return std::nullopt;
  }

 private:
  std::shared_ptr<const pack::PackStore> packs_;
};

}  // namespace

std::unique_ptr<PackWriter> make_reusing_pack_writer(std::shared_ptr<const pack::PackStore> packs) {
  return std::make_unique<ReusingPackWriter>(std::move(packs));
}

}  // namespace gitgate::git
