// PackCacheWriter: only a whole, checked pack becomes an entry, and a temp file's bytes
// count against max_bytes and the free-space floor as they are written, not only once the
// pack is an entry.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "git/cache/pack_cache.h"
#include "git/cache/pack_generation.h"
#include "tests/git/pack_cache_fixture.h"

namespace gitgate::git {
namespace {

namespace fs = std::filesystem;
using detail::kChunk;
using pack_cache_fixtures::append;
using pack_cache_fixtures::make_pack;
using pack_cache_fixtures::PackCacheTest;
using pack_cache_fixtures::RecordingSink;

TEST_F(PackCacheTest, NothingIsKeptWithoutACheckedCommit) {
  auto cache = open();
  const std::string pack = make_pack(5000, 'b');
  {
    auto dropped = cache->start("gone");  // a client that went away mid-pack
    ASSERT_NE(dropped, nullptr);
    dropped->append({reinterpret_cast<const uint8_t*>(pack.data()), 100});
  }
  std::string bad = pack;
  bad[bad.size() - 1] ^= 1;  // wrong trailer
  EXPECT_FALSE(store(*cache, "bad", bad));
  EXPECT_FALSE(store(*cache, "short", pack.substr(0, pack.size() - 1)));
  EXPECT_FALSE(store(*cache, "empty", ""));
  EXPECT_EQ(files(), 0U);
  RecordingSink sink;
  for (const char* key : {"gone", "bad", "short", "empty"}) {
    EXPECT_EQ(cache->serve(key, sink), PackCache::Served::kMiss) << key;
  }
  EXPECT_TRUE(sink.received.empty());
}

// Every append of a whole chunk is written (and counted) at once.
const std::string kOneChunk(kChunk, 'x');

TEST_F(PackCacheTest, TempFilesCountAgainstMaxBytes) {
  options_.max_bytes = 3 * kChunk;
  auto cache = open();
  auto a = cache->start("a");
  auto b = cache->start("b");
  ASSERT_TRUE(a && b);
  append(*a, kOneChunk);
  append(*a, kOneChunk);
  append(*b, kOneChunk);
  EXPECT_EQ(cache->in_flight_bytes(), 3 * kChunk);
  EXPECT_FALSE(a->failed() || b->failed());
  append(*b, kOneChunk);  // four chunks in flight would not fit: b gives up, a goes on
  EXPECT_TRUE(b->failed());
  EXPECT_FALSE(a->failed());
  EXPECT_EQ(cache->in_flight_bytes(), 3 * kChunk);  // b's refused chunk was never counted
  b.reset();                                        // its temp file goes, and its count
  EXPECT_EQ(cache->in_flight_bytes(), 2 * kChunk);
  a.reset();
  EXPECT_EQ(cache->in_flight_bytes(), 0U);
}

TEST_F(PackCacheTest, ACommittedPackLeavesTheInFlightCount) {
  auto cache = open();
  auto writer = cache->start("k");
  ASSERT_TRUE(writer);
  const std::string pack = make_pack(3 * kChunk, 'c');
  append(*writer, pack);
  EXPECT_EQ(cache->in_flight_bytes(), pack.size());  // one append: written as one buffer
  ASSERT_TRUE(writer->commit());
  EXPECT_EQ(cache->in_flight_bytes(), 0U);
  writer.reset();
  EXPECT_EQ(cache->in_flight_bytes(), 0U);  // not handed back twice
}

// Stored entries make room for a pack being written, least recently used first, before it
// is complete: the directory never holds more than max_bytes.
TEST_F(PackCacheTest, TempFilesMakeRoomByEvictingEntries) {
  const std::string old_pack = make_pack(2 * kChunk, 'o');  // 2 chunks and a little
  options_.max_bytes = 3 * kChunk;
  auto cache = open();
  ASSERT_TRUE(store(*cache, "old", old_pack));
  auto writer = cache->start("new");
  ASSERT_TRUE(writer);
  EXPECT_TRUE(fs::exists(cache->entry_path("old")));
  append(*writer, kOneChunk);
  EXPECT_FALSE(fs::exists(cache->entry_path("old")));
  EXPECT_FALSE(writer->failed());
}

// free_space as statvfs reports it: a capacity less what the directory's files take, so
// the bytes of temp files show in it as they are written.
TEST_F(PackCacheTest, TheFreeSpaceFloorIsCheckedAsTempFilesGrow) {
  const uint64_t capacity = options_.min_free_bytes + 3 * kChunk + 100;  // 100: the lock file
  options_.free_space = [capacity](const fs::path& directory) -> std::optional<uint64_t> {
    uint64_t used = 0;
    for (const auto& item : fs::directory_iterator(directory)) {
      used += fs::file_size(item.path());
    }
    return capacity - std::min(capacity, used);
  };
  auto cache = open();
  auto a = cache->start("a");
  auto b = cache->start("b");
  ASSERT_TRUE(a && b);  // both start with room for more than one chunk
  append(*a, kOneChunk);
  append(*b, kOneChunk);
  append(*a, kOneChunk);
  EXPECT_FALSE(a->failed() || b->failed());
  append(*b, kOneChunk);  // a fourth chunk would take the disk under the floor
  EXPECT_TRUE(b->failed());
  EXPECT_FALSE(a->failed());
  EXPECT_GE(*options_.free_space(options_.directory), options_.min_free_bytes);
}

}  // namespace
}  // namespace gitgate::git
