// gitformat-pack, "pack-*.pack files have the following format":
//
//   header  = "PACK" version(4-byte, 2 or 3) count(4-byte)      ; network order
//   entry   = type-size [ofs-distance | base-oid] zlib-data     ; count times
//   trailer = SHA-1 of everything before it
//
// A pushed pack is not length-prefixed (gitprotocol-pack, "Pushing Data": the pack data
// follows the command list and the client then waits), so its end is found by walking
// these frames. The zlib streams are the only frames without a length: each is inflated
// into a small scratch buffer and discarded, which is what finds its end (zlib stops at
// the stream's end and leaves the bytes after it unread).
#include "git/receive/pack_stream.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "git/pack/digest.h"
#include "git/pack/pack_entry.h"

namespace gitgate::git::detail {
namespace {

namespace pack = gitgate::git::pack;

constexpr uint8_t kMore = 0x80;
constexpr size_t kScratchSize = size_t{16} << 10;

enum class Phase : uint8_t {
  kPackHeader,   // the 12 header bytes
  kEntryHeader,  // type-size, then the OFS_DELTA distance or REF_DELTA base
  kEntryData,    // the zlib stream
  kTrailer,      // the 20-byte SHA-1
  kDone,
  kFailed,
};

// Where the entry header being read has got to: each part ends on a byte whose MSB is
// clear (the varints) or after 20 bytes (the REF_DELTA base).
enum class HeaderPart : uint8_t { kTypeSize, kDistance, kBaseOid };

}  // namespace

struct PackStreamReader::State {
  explicit State(const PushSettings& settings) : limits(settings), digest(EVP_sha1()) {}
  ~State() {
    if (inflating) {
      inflateEnd(&zs);
    }
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  PushSettings limits;
  Phase phase = Phase::kPackHeader;
  uint32_t count = 0;
  uint32_t seen = 0;
  uint64_t offset = 0;  // pack bytes read so far: the next byte's offset in the pack
  std::string error;

  // Headers and trailer are collected here (at most kMaxEntryHeaderSize bytes), never
  // object data.
  std::array<uint8_t, pack::kMaxEntryHeaderSize> small{};
  size_t small_length = 0;
  HeaderPart part = HeaderPart::kTypeSize;
  size_t base_start = 0;  // where the REF_DELTA base name starts in small
  uint64_t entry_offset = 0;
  uint64_t entry_size = 0;

  z_stream zs{};
  bool inflating = false;
  std::array<uint8_t, kScratchSize> scratch{};

  Digest digest;

  size_t fail(std::string reason) {
    phase = Phase::kFailed;
    error = std::move(reason);
    return 0;
  }

  // Each step takes bytes of the current phase and returns how many it used; a step
  // that fails returns 0 with phase kFailed.
  size_t read_pack_header(std::span<const uint8_t> bytes);
  size_t read_entry_header(std::span<const uint8_t> bytes);
  bool start_entry_data();
  size_t read_entry_data(std::span<const uint8_t> bytes);
  size_t read_trailer(std::span<const uint8_t> bytes);
  void next_entry(uint64_t start);
};

size_t PackStreamReader::State::read_pack_header(std::span<const uint8_t> bytes) {
  const size_t n = std::min(bytes.size(), pack::kPackHeaderSize - small_length);
  std::memcpy(small.data() + small_length, bytes.data(), n);
  small_length += n;
  if (small_length < pack::kPackHeaderSize) {
    return n;
  }
  auto parsed = pack::parse_pack_header({small.data(), small_length});
  if (const auto* bad = std::get_if<pack::EntryError>(&parsed)) {
    return fail("bad pack header: " + bad->reason);
  }
  count = std::get<pack::PackHeader>(parsed).count;
  if (count > limits.max_objects) {
    return fail(
        fmt::format("pack has {} objects, more than max_objects ({})", count, limits.max_objects));
  }
  next_entry(offset + n);
  return n;
}

// start: the entry's offset in the pack (feed() adds a step's bytes to offset after it).
void PackStreamReader::State::next_entry(uint64_t start) {
  small_length = 0;
  part = HeaderPart::kTypeSize;
  entry_offset = start;
  phase = seen == count ? Phase::kTrailer : Phase::kEntryHeader;
}

size_t PackStreamReader::State::read_entry_header(std::span<const uint8_t> bytes) {
  size_t used = 0;
  bool complete = false;
  while (used < bytes.size() && !complete) {
    if (small_length == small.size()) {
      return fail(fmt::format("bad entry header at offset {}", entry_offset));
    }
    const uint8_t c = bytes[used++];
    small[small_length++] = c;
    switch (part) {
      case HeaderPart::kTypeSize:
        if ((c & kMore) == 0) {
          const unsigned type = (small[0] >> 4) & 0x7;
          if (type == static_cast<unsigned>(pack::EntryType::kOfsDelta)) {
            part = HeaderPart::kDistance;
          } else if (type == static_cast<unsigned>(pack::EntryType::kRefDelta)) {
            part = HeaderPart::kBaseOid;
            base_start = small_length;
          } else {
            complete = true;
          }
        }
        break;
      case HeaderPart::kDistance:
        complete = (c & kMore) == 0;
        break;
      case HeaderPart::kBaseOid:
        complete = small_length == base_start + pack::kOidSize;
        break;
    }
  }
  if (!complete) {
    return used;
  }
  // The frame is whole: the shared parser validates it (type, size overflow, a base
  // offset inside the pack).
  auto parsed = pack::parse_entry_header({small.data(), small_length}, entry_offset);
  if (const auto* bad = std::get_if<pack::EntryError>(&parsed)) {
    return fail(fmt::format("bad entry header at offset {}: {}", entry_offset, bad->reason));
  }
  entry_size = std::get<pack::EntryHeader>(parsed).size;
  if (entry_size > limits.max_object_bytes) {
    return fail(fmt::format("object at offset {} has {} bytes, more than max_object_bytes ({})",
                            entry_offset, entry_size, limits.max_object_bytes));
  }
  return start_entry_data() ? used : 0;
}

bool PackStreamReader::State::start_entry_data() {
  zs = z_stream{};
  if (inflateInit(&zs) != Z_OK) {
    fail("out of memory for zlib");
    return false;
  }
  inflating = true;
  phase = Phase::kEntryData;
  return true;
}

size_t PackStreamReader::State::read_entry_data(std::span<const uint8_t> bytes) {
  const auto given = static_cast<uInt>(std::min<size_t>(bytes.size(), UINT32_MAX));
  zs.next_in = const_cast<uint8_t*>(bytes.data());  // zlib's API is not const; it only reads
  zs.avail_in = given;
  int rc = Z_OK;
  for (;;) {
    // Room for one byte more than declared at most: the excess is then found at the same
    // output byte however the input is split, before a later data error could be.
    const uint64_t remaining = entry_size - zs.total_out;
    zs.next_out = scratch.data();
    zs.avail_out = static_cast<uInt>(remaining >= scratch.size() ? scratch.size() : remaining + 1);
    rc = inflate(&zs, Z_NO_FLUSH);
    // More than declared is refused as soon as it shows, not after inflating it all; it
    // is checked first because zlib may go on to read a bad code after filling the
    // output (and only when that input has arrived: the answer would depend on splits).
    if (zs.total_out > entry_size) {
      return fail(fmt::format("object at offset {} inflates to more than its {} bytes",
                              entry_offset, entry_size));
    }
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      return fail(fmt::format("bad zlib data in object at offset {}", entry_offset));
    }
    // A full scratch buffer may leave output pending even when all input is taken.
    if (rc != Z_OK || (zs.avail_in == 0 && zs.avail_out != 0)) {
      break;
    }
  }
  const size_t used = given - zs.avail_in;
  if (rc != Z_STREAM_END) {
    return used;
  }
  const uint64_t inflated = zs.total_out;
  inflateEnd(&zs);
  inflating = false;
  if (inflated != entry_size) {
    return fail(fmt::format("object at offset {} inflates to {} bytes, not its {}", entry_offset,
                            inflated, entry_size));
  }
  ++seen;
  next_entry(offset + used);
  return used;
}

size_t PackStreamReader::State::read_trailer(std::span<const uint8_t> bytes) {
  const size_t n = std::min(bytes.size(), pack::kPackTrailerSize - small_length);
  std::memcpy(small.data() + small_length, bytes.data(), n);
  small_length += n;
  if (small_length < pack::kPackTrailerSize) {
    return n;
  }
  auto sum = digest.finish();
  if (!sum) {
    return fail("SHA-1 failed");
  }
  if (sum->size() != pack::kPackTrailerSize ||
      std::memcmp(sum->data(), small.data(), pack::kPackTrailerSize) != 0) {
    return fail("pack trailer does not match its SHA-1");
  }
  phase = Phase::kDone;
  return n;
}

PackStreamReader::PackStreamReader(const PushSettings& limits) : state_(new State(limits)) {}

PackStreamReader::~PackStreamReader() { delete state_; }

std::variant<PackStreamReader::Progress, PackStreamReader::Error> PackStreamReader::feed(
    std::span<const uint8_t> bytes) {
  State& s = *state_;
  if (s.phase == Phase::kFailed) {
    return Error{s.error};
  }
  if (s.phase == Phase::kDone) {
    return Progress{0, true};
  }
  // max_pack_bytes: only the bytes the limit still allows are parsed; a pack that has
  // not ended by then is refused.
  const uint64_t allowance =
      s.limits.max_pack_bytes > s.offset ? s.limits.max_pack_bytes - s.offset : 0;
  const bool over = bytes.size() > allowance;
  std::span<const uint8_t> rest = bytes.first(over ? allowance : bytes.size());
  size_t consumed = 0;
  while (!rest.empty() && s.phase != Phase::kDone && s.phase != Phase::kFailed) {
    const Phase phase = s.phase;
    size_t used = 0;
    switch (phase) {
      case Phase::kPackHeader:
        used = s.read_pack_header(rest);
        break;
      case Phase::kEntryHeader:
        used = s.read_entry_header(rest);
        break;
      case Phase::kEntryData:
        used = s.read_entry_data(rest);
        break;
      case Phase::kTrailer:
        used = s.read_trailer(rest);
        break;
      case Phase::kDone:
      case Phase::kFailed:
        break;
    }
    if (s.phase == Phase::kFailed) {
      return Error{s.error};
    }
    if (phase != Phase::kTrailer) {
      s.digest.update(rest.data(), used);
    }
    s.offset += used;
    consumed += used;
    rest = rest.subspan(used);
  }
  if (s.phase == Phase::kDone) {
    return Progress{consumed, true};
  }
  if (over) {
    s.fail(fmt::format("pack exceeds max_pack_mb ({} MiB)", s.limits.max_pack_bytes >> 20));
    return Error{s.error};
  }
  return Progress{consumed, false};
}

uint32_t PackStreamReader::object_count() const { return state_->count; }

uint32_t PackStreamReader::objects_seen() const { return state_->seen; }

uint64_t PackStreamReader::bytes_seen() const { return state_->offset; }

}  // namespace gitgate::git::detail
