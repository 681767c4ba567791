// PackStreamReader over packs written by `git pack-objects` (whole objects, OFS_DELTA and
// REF_DELTA entries) and over hand-made packs for what git never writes; every split of a
// small pack and random chunkings of a bigger one.
#include "git/receive/pack_stream.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <fstream>
#include <iterator>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "git/pack/digest.h"
#include "git/pack/pack_entry.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

namespace pack = gitgate::git::pack;
using Bytes = std::vector<uint8_t>;
using Result = std::variant<PackStreamReader::Progress, PackStreamReader::Error>;

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// What one reader says after the chunks: done and where the pack ended, or the error.
struct Outcome {
  bool done = false;
  size_t consumed = 0;  // over all chunks
  std::string error;
};

Outcome feed_chunks(const Bytes& input, const std::vector<size_t>& cuts,
                    const PushSettings& limits = {}) {
  PackStreamReader reader(limits);
  Outcome outcome;
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (const size_t end : ends) {
    const Result r = reader.feed(std::span<const uint8_t>(input).subspan(start, end - start));
    if (const auto* error = std::get_if<PackStreamReader::Error>(&r)) {
      outcome.error = error->reason;
      return outcome;
    }
    const auto& progress = std::get<PackStreamReader::Progress>(r);
    outcome.consumed += progress.consumed;
    if (progress.done) {
      outcome.done = true;
      return outcome;
    }
    // Until the end, every byte given belongs to the pack.
    EXPECT_EQ(progress.consumed, end - start);
    start = end;
  }
  return outcome;
}

Outcome feed_whole(const Bytes& input, const PushSettings& limits = {}) {
  return feed_chunks(input, {}, limits);
}

// A pack made by hand: the given entries (header + zlib of data), then the SHA-1 trailer.
struct HandEntry {
  pack::EncodedHeader header;
  std::string data;
};

Bytes hand_pack(const std::vector<HandEntry>& entries, uint32_t count) {
  Bytes out;
  const auto header = pack::encode_pack_header(count);
  out.insert(out.end(), header.begin(), header.end());
  for (const HandEntry& e : entries) {
    out.insert(out.end(), e.header.view().begin(), e.header.view().end());
    uLongf length = compressBound(e.data.size());
    Bytes z(length);
    EXPECT_EQ(
        compress(z.data(), &length, reinterpret_cast<const Bytef*>(e.data.data()), e.data.size()),
        Z_OK);
    out.insert(out.end(), z.begin(), z.begin() + static_cast<ptrdiff_t>(length));
  }
  Digest sha1(EVP_sha1());
  sha1.update(out.data(), out.size());
  const auto sum = sha1.finish();
  out.insert(out.end(), sum->begin(), sum->end());
  return out;
}

class PackStreamTest : public testing::GitFixture {
 protected:
  // A repository with a few commits of small files, one of them changed a little each
  // time so that pack-objects writes deltas, and one blob of exactly 1000 bytes (the
  // largest object) for max_object_bytes.
  void make_repo(int commits, int files_per_commit, size_t file_bytes) {
    sh("git init -q -b main r");
    sh("cd r && head -c 1000 /dev/zero | tr '\\0' 'b' > big && git add big");
    for (int c = 0; c < commits; ++c) {
      sh(
          fmt::format("cd r && seq 1 40 > grow && seq {0} 60 >> grow && for i in $(seq 1 {1}); do "
                      "head -c {2} /dev/urandom | base64 -w 70 | head -c {2} > f$i-{0}; done && "
                      "git add -A && git commit -qm c{0}",
                      c, files_per_commit, file_bytes));
    }
  }
  // pack-objects over everything reachable from main; extra: its options.
  Bytes pack_of(const std::string& extra) {
    sh("cd r && git rev-list --objects main | git pack-objects -q --stdout " + extra +
       " > ../out.pack");
    return read_file(dir_ / "out.pack");
  }
};

TEST_F(PackStreamTest, EverySplitOfSmallPacks) {
  make_repo(3, 2, 60);
  for (const std::string options : {"--delta-base-offset", ""}) {  // OFS_DELTA, REF_DELTA
    Bytes input = pack_of(options);
    const size_t pack_size = input.size();
    const std::string after = "0000 the report waits";
    input.insert(input.end(), after.begin(), after.end());
    const Outcome whole = feed_whole(input);
    ASSERT_TRUE(whole.done) << whole.error;
    EXPECT_EQ(whole.consumed, pack_size);
    for (size_t a = 0; a <= input.size(); ++a) {
      const Outcome one = feed_chunks(input, {a});
      ASSERT_TRUE(one.done) << options << " cut " << a << ": " << one.error;
      EXPECT_EQ(one.consumed, pack_size) << options << " cut " << a;
    }
    // Byte by byte, and every two-cut split over the first part (headers and the first
    // entries, where each frame may be cut anywhere).
    std::vector<size_t> each(input.size() - 1);
    std::iota(each.begin(), each.end(), size_t{1});
    EXPECT_EQ(feed_chunks(input, each).consumed, pack_size);
    for (size_t a = 0; a < 120; ++a) {
      for (size_t b = a; b < 120; ++b) {
        const Outcome two = feed_chunks(input, {a, b});
        ASSERT_TRUE(two.done && two.consumed == pack_size) << a << "," << b << ": " << two.error;
      }
    }
  }
}

TEST_F(PackStreamTest, ObjectCountsAndBytesSeen) {
  make_repo(2, 1, 60);
  const Bytes input = pack_of("--delta-base-offset");
  const std::string count = sh("cd r && git rev-list --objects main | wc -l");
  PackStreamReader reader(PushSettings{});
  EXPECT_EQ(reader.object_count(), 0U);
  ASSERT_TRUE(std::holds_alternative<PackStreamReader::Progress>(
      reader.feed(std::span<const uint8_t>(input).first(input.size() - 1))));
  EXPECT_EQ(reader.object_count(), std::stoul(count));
  EXPECT_EQ(reader.objects_seen(), reader.object_count());
  EXPECT_EQ(reader.bytes_seen(), input.size() - 1);
  const Result last = reader.feed(std::span<const uint8_t>(input).last(1));
  ASSERT_TRUE(std::get<PackStreamReader::Progress>(last).done);
  EXPECT_EQ(reader.bytes_seen(), input.size());
  // Spent: nothing more is taken.
  const Result again = reader.feed(std::span<const uint8_t>(input).first(4));
  EXPECT_EQ(std::get<PackStreamReader::Progress>(again).consumed, 0U);
}

TEST_F(PackStreamTest, RandomChunkingsOfABiggerPack) {
  make_repo(8, 40, 3000);
  const Bytes input = pack_of("--delta-base-offset");
  ASSERT_GT(input.size(), 200'000U);
  std::mt19937 random(10);  // fixed seed: a failure is reproducible
  for (int round = 0; round < 30; ++round) {
    std::vector<size_t> cuts;
    std::uniform_int_distribution<size_t> step(1, round % 2 == 0 ? 64 : 70'000);
    for (size_t at = step(random); at < input.size(); at += step(random)) {
      cuts.push_back(at);
    }
    const Outcome o = feed_chunks(input, cuts);
    ASSERT_TRUE(o.done) << "round " << round << ": " << o.error;
    EXPECT_EQ(o.consumed, input.size());
  }
}

TEST_F(PackStreamTest, TruncatedPackNeverEnds) {
  make_repo(2, 1, 60);
  const Bytes input = pack_of("--delta-base-offset");
  for (size_t length = 0; length < input.size(); ++length) {
    const Bytes part(input.begin(), input.begin() + static_cast<ptrdiff_t>(length));
    const Outcome o = feed_whole(part);
    EXPECT_FALSE(o.done) << length;
    EXPECT_EQ(o.error, "") << length;
    EXPECT_EQ(o.consumed, length);
  }
}

TEST_F(PackStreamTest, CorruptZlibData) {
  make_repo(1, 1, 60);
  Bytes input = pack_of("");
  const auto entry = pack::parse_entry_header(std::span<const uint8_t>(input).subspan(12), 12);
  const size_t zlib_at = 12 + std::get<pack::EntryHeader>(entry).header_length;
  Bytes bad_header = input;
  bad_header[zlib_at] = 0x00;  // the zlib header's CMF byte: not deflate
  EXPECT_EQ(feed_whole(bad_header).error, "bad zlib data in object at offset 12");
  // A flipped bit in the deflate data or its Adler-32: some error at that entry, and the
  // trailer is never reached.
  for (size_t at = zlib_at + 2; at < zlib_at + 12; ++at) {
    Bytes flipped = input;
    flipped[at] ^= 0x10;
    const Outcome o = feed_whole(flipped);
    EXPECT_FALSE(o.done) << at;
    EXPECT_NE(o.error.find("offset 12"), std::string::npos) << at << ": " << o.error;
  }
}

TEST_F(PackStreamTest, BadTrailer) {
  make_repo(1, 1, 60);
  Bytes input = pack_of("");
  input.back() ^= 1;
  for (size_t a = 0; a <= input.size(); ++a) {
    EXPECT_EQ(feed_chunks(input, {a}).error, "pack trailer does not match its SHA-1") << a;
  }
  Bytes body = pack_of("");
  body[body.size() - 30] ^= 1;  // inside the last entry or the trailer's SHA-1 input
  EXPECT_FALSE(feed_whole(body).done);
}

struct BadHeaderCase {
  std::string name;
  Bytes input;
  std::string error;
};

TEST(PackStream, BadHeadersAndEntries) {
  const std::vector<BadHeaderCase> cases = {
      {"magic", {'P', 'A', 'C', 'X', 0, 0, 0, 2, 0, 0, 0, 0}, "bad pack header: not a pack"},
      {"version 4", {'P', 'A', 'C', 'K', 0, 0, 0, 4, 0, 0, 0, 0}, "unsupported pack version 4"},
      {"version 1", {'P', 'A', 'C', 'K', 0, 0, 0, 1, 0, 0, 0, 0}, "unsupported pack version 1"},
      {"type 0", {'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 1, 0x05}, "invalid object type 0"},
      {"type 5", {'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 1, 0x55}, "invalid object type 5"},
      {"ofs delta before the pack",
       {'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 1, 0x65, 0x01},
       "delta base offset outside the pack"},
      {"size varint too long",
       {'P',  'A',  'C',  'K',  0,    0,    0,    2,    0,    0,    0,    1,
        0xb5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
       "object size overflows"},
  };
  for (const BadHeaderCase& c : cases) {
    for (size_t a = 0; a <= c.input.size(); ++a) {
      const Outcome o = feed_chunks(c.input, {a});
      EXPECT_NE(o.error.find(c.error), std::string::npos)
          << c.name << " cut " << a << ": " << o.error;
    }
  }
}

TEST(PackStream, HandMadePacks) {
  const auto blob = [](std::string data, uint64_t declared) {
    return HandEntry{pack::encode_entry_header(pack::EntryType::kBlob, declared), std::move(data)};
  };
  // No objects: header then trailer (git sends this for a delete-only push... it sends no
  // pack then, but an empty pack is valid and index-pack accepts it).
  const Bytes empty = hand_pack({}, 0);
  EXPECT_TRUE(feed_whole(empty).done);
  EXPECT_EQ(feed_whole(empty).consumed, 32U);
  // The empty blob still has a zlib stream.
  EXPECT_TRUE(feed_whole(hand_pack({blob("", 0)}, 1)).done);
  EXPECT_EQ(feed_whole(hand_pack({blob("abcd", 5)}, 1)).error,
            "object at offset 12 inflates to 4 bytes, not its 5");
  EXPECT_EQ(feed_whole(hand_pack({blob("abcdef", 5)}, 1)).error,
            "object at offset 12 inflates to more than its 5 bytes");
  // The header promises two entries; the trailer's bytes are read as an entry.
  EXPECT_FALSE(feed_whole(hand_pack({blob("abcd", 4)}, 2)).done);
}

TEST_F(PackStreamTest, Limits) {
  make_repo(2, 1, 60);
  const Bytes input = pack_of("--delta-base-offset");
  const auto count = std::stoul(sh("cd r && git rev-list --objects main | wc -l"));
  for (size_t a = 0; a <= input.size(); a += 7) {
    PushSettings limits;
    limits.max_pack_bytes = input.size();
    EXPECT_TRUE(feed_chunks(input, {a}, limits).done) << a;
    limits.max_pack_bytes = input.size() - 1;
    EXPECT_EQ(feed_chunks(input, {a}, limits).error, "pack exceeds max_pack_mb (0 MiB)") << a;
    limits = PushSettings{};
    limits.max_objects = count;
    EXPECT_TRUE(feed_chunks(input, {a}, limits).done) << a;
    limits.max_objects = count - 1;
    EXPECT_EQ(feed_chunks(input, {a}, limits).error,
              fmt::format("pack has {} objects, more than max_objects ({})", count, count - 1))
        << a;
    limits = PushSettings{};
    limits.max_object_bytes = 1000;  // the blob "big"
    EXPECT_TRUE(feed_chunks(input, {a}, limits).done) << a;
    limits.max_object_bytes = 999;
    const Outcome o = feed_chunks(input, {a}, limits);
    EXPECT_NE(o.error.find("has 1000 bytes, more than max_object_bytes (999)"), std::string::npos)
        << a << ": " << o.error;
  }
  // The MiB in the reason is the configured one.
  PushSettings two_mib;
  two_mib.max_pack_bytes = uint64_t{2} << 20;
  // A blob of 3 MiB, stored (zlib level 0) so that its compressed bytes pass 2 MiB.
  const std::string data(size_t{3} << 20, 'x');
  uLongf length = compressBound(data.size());
  Bytes z(length);
  ASSERT_EQ(
      compress2(z.data(), &length, reinterpret_cast<const Bytef*>(data.data()), data.size(), 0),
      Z_OK);
  z.resize(length);
  Bytes fake(12);
  const auto header = pack::encode_pack_header(1);
  std::copy(header.begin(), header.end(), fake.begin());
  const auto entry = pack::encode_entry_header(pack::EntryType::kBlob, data.size());
  fake.insert(fake.end(), entry.view().begin(), entry.view().end());
  fake.insert(fake.end(), z.begin(), z.end());
  EXPECT_EQ(feed_whole(fake, two_mib).error, "pack exceeds max_pack_mb (2 MiB)");
}

}  // namespace
}  // namespace gitgate::git::detail
