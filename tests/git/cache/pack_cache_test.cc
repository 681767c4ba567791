// The pack cache's store: entries are served byte for byte, and go away by TTL, by size
// (least recently used first) and when corrupt; the free-space floor turns caching off;
// the directory is 0700, entries 0600, and what is not our own regular file is never
// served. Then end to end with the real git client.
#include "git/cache/pack_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <future>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "tests/git/git_fixture.h"
#include "tests/git/pack_cache_fixture.h"

namespace gitgate::git {
namespace {

using pack_cache_fixtures::age;
using pack_cache_fixtures::append;
using pack_cache_fixtures::make_pack;
using pack_cache_fixtures::PackCacheTest;
using pack_cache_fixtures::read_file;
using pack_cache_fixtures::RecordingSink;
using pack_cache_fixtures::Request;
namespace fs = std::filesystem;

TEST_F(PackCacheTest, MissThenStoreThenHitServesTheSameBytes) {
  auto cache = open();
  RecordingSink miss;
  EXPECT_EQ(cache->serve("k1", miss), PackCache::Served::kMiss);
  EXPECT_TRUE(miss.received.empty());
  const std::string pack = make_pack(200000, 'a');
  EXPECT_EQ(cache->stored_bytes(), 0U);
  ASSERT_TRUE(store(*cache, "k1", pack));
  EXPECT_EQ(read_file(cache->entry_path("k1")), pack);
  EXPECT_EQ(files(), 1U);                         // no temp file left
  EXPECT_EQ(cache->stored_bytes(), pack.size());  // gitgate_pack_cache_bytes
  RecordingSink hit;
  EXPECT_EQ(cache->serve("k1", hit), PackCache::Served::kSent);
  EXPECT_EQ(hit.received, pack);
  EXPECT_EQ(hit.chunks, (pack.size() + 65535) / 65536);  // 64 KiB at a time
  RecordingSink other;
  EXPECT_EQ(cache->serve("k2", other), PackCache::Served::kMiss);
}

// The header is checked before the first byte, the checksum while streaming: a damaged
// body goes out without its trailer (the client fails on a short pack), and either way
// the entry is deleted.
TEST_F(PackCacheTest, CorruptEntriesAreNeverServedWhole) {
  const std::string pack = make_pack(200000, 'c');
  struct Case {
    const char* name;
    std::string contents;
    PackCache::Served served;
    size_t sent;  // bytes the sink receives: all but the file's last 20, or none
  };
  std::string flipped = pack;
  flipped[5000] ^= 0x40;
  std::string flipped_trailer = pack;
  flipped_trailer[pack.size() - 1] ^= 1;
  std::string not_pack = pack;
  not_pack[0] = 'J';
  const std::string truncated = pack.substr(0, pack.size() - 7);
  // Sizes around the chunk boundary, where the trailer would straddle two chunks.
  const std::string at_boundary = make_pack(65536 - 12 - 20 + 5, 'x');
  std::string at_boundary_bad = at_boundary;
  at_boundary_bad[100] ^= 1;
  const std::vector<Case> cases = {
      {"truncated", truncated, PackCache::Served::kFailed, truncated.size() - 20},
      {"bit flipped", flipped, PackCache::Served::kFailed, pack.size() - 20},
      {"trailer flipped", flipped_trailer, PackCache::Served::kFailed, pack.size() - 20},
      {"trailer over a chunk boundary", at_boundary_bad, PackCache::Served::kFailed,
       at_boundary.size() - 20},
      {"cut at the header", pack.substr(0, 12), PackCache::Served::kMiss, 0},
      {"header and a short trailer", pack.substr(0, 31), PackCache::Served::kMiss, 0},
      {"not a pack", not_pack, PackCache::Served::kMiss, 0},
      {"empty", "", PackCache::Served::kMiss, 0}};
  auto cache = open();
  uint64_t corrupt = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(store(*cache, "k", pack));
    std::ofstream(cache->entry_path("k"), std::ios::binary | std::ios::trunc) << c.contents;
    RecordingSink sink;
    EXPECT_EQ(cache->serve("k", sink), c.served);
    EXPECT_EQ(sink.received, c.contents.substr(0, c.sent));
    EXPECT_FALSE(fs::exists(cache->entry_path("k")));  // deleted
    corrupt += c.served == PackCache::Served::kFailed ? 1 : 0;
    EXPECT_EQ(cache->counters().corrupt, corrupt);
  }
  // A sound entry just over a chunk boundary goes out whole.
  ASSERT_TRUE(store(*cache, "edge", at_boundary));
  RecordingSink sink;
  EXPECT_EQ(cache->serve("edge", sink), PackCache::Served::kSent);
  EXPECT_EQ(sink.received, at_boundary);
}

TEST_F(PackCacheTest, LeftoverTempFilesAreRemovedAtOpenAndNeverServed) {
  fs::create_directories(options_.directory);
  const std::string pack = make_pack(100, 'd');
  std::ofstream(options_.directory / "k.123.1.tmp", std::ios::binary) << pack;
  std::ofstream(options_.directory / "k.pack.tmp", std::ios::binary) << pack;
  auto cache = open();
  EXPECT_EQ(files(), 0U);
  RecordingSink sink;
  EXPECT_EQ(cache->serve("k", sink), PackCache::Served::kMiss);
}

TEST_F(PackCacheTest, ExpiredEntriesAreNotServedAndAreDeleted) {
  options_.ttl = std::chrono::minutes(60);
  auto cache = open();
  const std::string pack = make_pack(100, 'e');
  ASSERT_TRUE(store(*cache, "fresh", pack));
  ASSERT_TRUE(store(*cache, "old", pack));
  ASSERT_TRUE(store(*cache, "stale", pack));
  age(cache->entry_path("fresh"), 0, time_t{59} * 60);
  age(cache->entry_path("old"), 0, time_t{61} * 60);
  age(cache->entry_path("stale"), 0, time_t{61} * 60);
  RecordingSink sink;
  EXPECT_EQ(cache->serve("old", sink), PackCache::Served::kMiss);
  EXPECT_FALSE(fs::exists(cache->entry_path("old")));
  cache->evict();  // also sweeps expired entries nobody asked for
  EXPECT_FALSE(fs::exists(cache->entry_path("stale")));
  EXPECT_EQ(cache->serve("fresh", sink), PackCache::Served::kSent);
}

TEST_F(PackCacheTest, EvictsLeastRecentlyUsedAboveMaxBytes) {
  const std::string pack = make_pack(1000, 'f');
  options_.max_bytes = 3 * pack.size();
  auto cache = open();
  for (const char* key : {"a", "b", "c"}) {
    ASSERT_TRUE(store(*cache, key, pack));
  }
  age(cache->entry_path("a"), 300, 300);
  age(cache->entry_path("b"), 100, 300);
  age(cache->entry_path("c"), 200, 300);
  RecordingSink sink;
  ASSERT_EQ(cache->serve("a", sink), PackCache::Served::kSent);  // a is now the newest
  ASSERT_TRUE(store(*cache, "d", pack));                         // 4 > 3: c goes
  EXPECT_TRUE(fs::exists(cache->entry_path("a")));
  EXPECT_TRUE(fs::exists(cache->entry_path("b")));
  EXPECT_FALSE(fs::exists(cache->entry_path("c")));
  EXPECT_TRUE(fs::exists(cache->entry_path("d")));
  // An entry larger than the whole cache is given up while it is written.
  EXPECT_FALSE(store(*cache, "huge", make_pack(4 * pack.size(), 'g')));
  EXPECT_FALSE(fs::exists(cache->entry_path("huge")));
  EXPECT_EQ(cache->in_flight_bytes(), 0U);
}

// SIGHUP: lower limits evict at once and apply to the next entries; a shorter TTL
// expires entries a longer one kept; a higher floor stops caching.
TEST_F(PackCacheTest, NewLimitsApplyAtOnce) {
  const std::string pack = make_pack(1000, 'n');
  options_.max_bytes = 4 * pack.size();
  auto cache = open();
  for (const char* key : {"a", "b", "c"}) {
    ASSERT_TRUE(store(*cache, key, pack));
  }
  age(cache->entry_path("a"), 300, 300);
  age(cache->entry_path("b"), 200, 300);
  age(cache->entry_path("c"), 0, time_t{61} * 60);
  cache->set_limits(pack.size() * 3 / 2, std::chrono::minutes(60), 100);
  // c is past the TTL, a the least recently used: b alone fits.
  EXPECT_FALSE(fs::exists(cache->entry_path("a")));
  EXPECT_TRUE(fs::exists(cache->entry_path("b")));
  EXPECT_FALSE(fs::exists(cache->entry_path("c")));
  EXPECT_FALSE(store(*cache, "huge", make_pack(3 * pack.size(), 'o')));
  age(cache->entry_path("b"), 0, time_t{20} * 60);
  RecordingSink sink;
  EXPECT_EQ(cache->serve("b", sink), PackCache::Served::kSent);
  cache->set_limits(pack.size() * 3 / 2, std::chrono::minutes(10), 100);
  EXPECT_EQ(cache->serve("b", sink), PackCache::Served::kMiss);
  free_ = 1000;
  EXPECT_NE(cache->start("k"), nullptr);
  cache->set_limits(pack.size() * 3 / 2, std::chrono::minutes(10), 1001);
  EXPECT_EQ(cache->start("k2"), nullptr);
}

TEST_F(PackCacheTest, BelowTheFreeSpaceFloorNothingIsCached) {
  auto cache = open();
  for (const auto& [free, cached] : std::vector<std::pair<std::optional<uint64_t>, bool>>{
           {99, false}, {std::nullopt, false}, {100, true}, {1000, true}}) {
    free_ = free;
    EXPECT_EQ(cache->start("k") != nullptr, cached) << (free ? *free : 0);
  }
  EXPECT_EQ(files(), 0U);
}

TEST_F(PackCacheTest, AClientGoneDuringAHitIsAFailure) {
  auto cache = open();
  const std::string pack = make_pack(200000, 'h');
  ASSERT_TRUE(store(*cache, "k", pack));
  RecordingSink sink(100000);
  EXPECT_EQ(cache->serve("k", sink), PackCache::Served::kFailed);
  EXPECT_TRUE(fs::exists(cache->entry_path("k")));  // the entry itself is fine
}

// Requests arriving while the leader writes follow its generation: they receive its
// bytes as they are written and the whole pack once it is committed; nobody else leads.
TEST_F(PackCacheTest, IdenticalConcurrentRequestsShareOneGeneration) {
  struct Case {
    size_t followers;
    size_t pack_size;
    size_t piece;  // what the leader's writer hands over at a time
  };
  for (const Case& c : std::vector<Case>{{1, 100, 7}, {4, 300000, 1000}, {8, 1000000, 65536}}) {
    SCOPED_TRACE(c.followers);
    fs::remove_all(options_.directory);
    auto cache = open();
    const std::string pack = make_pack(c.pack_size, 'p');
    RecordingSink nothing;
    std::unique_ptr<PackCacheWriter> writer;
    ASSERT_EQ(cache->serve("k", nothing, &writer), PackCache::Served::kMiss);
    ASSERT_NE(writer, nullptr);
    std::vector<Request> requests(c.followers);
    for (Request& r : requests) {
      r.start(*cache, "k");
    }
    ASSERT_TRUE(writer->wait_for_followers(c.followers, std::chrono::seconds(10)));
    for (size_t at = 0; at < pack.size(); at += c.piece) {
      append(*writer, std::string_view(pack).substr(at, c.piece));
    }
    ASSERT_TRUE(writer->commit());
    for (Request& r : requests) {
      EXPECT_EQ(r.get(), PackCache::Served::kShared);
      EXPECT_EQ(r.lead, nullptr);
      EXPECT_EQ(r.sink.received, pack);
    }
    const auto counters = cache->counters();
    EXPECT_EQ(counters.misses, 1U);
    EXPECT_EQ(counters.shared, c.followers);
    EXPECT_EQ(read_file(cache->entry_path("k")), pack);
  }
}

// The same, racing: all requests start at once; exactly one generates, the others follow
// it or (if they come after its commit) hit the entry, and all get the same bytes.
TEST_F(PackCacheTest, RacingIdenticalRequestsGenerateOnce) {
  auto cache = open();
  const std::string pack = make_pack(400000, 'r');
  constexpr size_t kRequests = 12;
  for (const char* key : {"a", "b", "c"}) {
    std::latch go(kRequests);
    std::vector<std::string> received(kRequests);
    std::vector<PackCache::Served> served(kRequests);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < kRequests; ++i) {
      threads.emplace_back([&, i] {
        RecordingSink sink;
        std::unique_ptr<PackCacheWriter> writer;
        go.arrive_and_wait();
        served[i] = cache->serve(key, sink, &writer);
        if (writer) {  // the generator: its own client gets the pack as it is written
          for (size_t at = 0; at < pack.size(); at += 5000) {
            const std::string_view piece = std::string_view(pack).substr(at, 5000);
            append(*writer, piece);
            sink.received.append(piece);
          }
          writer->commit();
        }
        received[i] = sink.received;
      });
    }
    for (std::thread& t : threads) {
      t.join();  // bounded: follow_stall ends any wait
    }
    EXPECT_EQ(std::count(served.begin(), served.end(), PackCache::Served::kMiss), 1) << key;
    for (size_t i = 0; i < kRequests; ++i) {
      EXPECT_NE(served[i], PackCache::Served::kFailed) << key << i;
      EXPECT_EQ(received[i], pack) << key << i;
    }
  }
  const auto counters = cache->counters();
  EXPECT_EQ(counters.misses, 3U);
  EXPECT_EQ(counters.hits + counters.shared, 3 * (kRequests - 1));
}

// The leader gives up (its client went away, its pack writer failed, its entry is no
// pack) before a byte reached the follower: the follower leads a generation of its own.
TEST_F(PackCacheTest, ALeaderFailingBeforeAnyByteLetsTheFollowerGenerate) {
  enum class Failure { kDropped, kBadPack, kShort };
  const std::string pack = make_pack(1000, 'l');
  for (const Failure failure : {Failure::kDropped, Failure::kBadPack, Failure::kShort}) {
    SCOPED_TRACE(static_cast<int>(failure));
    fs::remove_all(options_.directory);
    auto cache = open();
    RecordingSink nothing;
    std::unique_ptr<PackCacheWriter> writer;
    ASSERT_EQ(cache->serve("k", nothing, &writer), PackCache::Served::kMiss);
    Request follower;
    follower.start(*cache, "k");
    ASSERT_TRUE(writer->wait_for_followers(1, std::chrono::seconds(10)));
    switch (failure) {
      case Failure::kDropped:
        append(*writer, std::string_view(pack).substr(0, 15));
        writer.reset();
        break;
      case Failure::kBadPack:
        append(*writer, "not a pack at all, but longer than a trailer");
        EXPECT_FALSE(writer->commit());
        break;
      case Failure::kShort:
        append(*writer, std::string_view(pack).substr(0, 12));
        EXPECT_FALSE(writer->commit());
        break;
    }
    EXPECT_EQ(follower.get(), PackCache::Served::kMiss);
    EXPECT_TRUE(follower.sink.received.empty());
    ASSERT_NE(follower.lead, nullptr);  // it generates, and may cache that
    append(*follower.lead, pack);
    EXPECT_TRUE(follower.lead->commit());
    EXPECT_EQ(cache->counters().misses, 2U);
    RecordingSink hit;
    EXPECT_EQ(cache->serve("k", hit), PackCache::Served::kSent);
    EXPECT_EQ(hit.received, pack);
  }
}

// Bytes already went out when the leader fails: the follower fails (it cannot finish the
// pack), having sent only what the leader wrote, never the trailer.
TEST_F(PackCacheTest, ALeaderFailingAfterBytesFailsTheFollower) {
  const std::string pack = make_pack(300000, 'f');
  auto cache = open();
  RecordingSink nothing;
  std::unique_ptr<PackCacheWriter> writer;
  ASSERT_EQ(cache->serve("k", nothing, &writer), PackCache::Served::kMiss);
  Request follower;
  follower.start(*cache, "k");
  ASSERT_TRUE(writer->wait_for_followers(1, std::chrono::seconds(10)));
  append(*writer, std::string_view(pack).substr(0, 100000));  // 64 KiB of it are flushed
  ASSERT_TRUE(follower.sink.wait_for_bytes(1));
  writer.reset();
  EXPECT_EQ(follower.get(), PackCache::Served::kFailed);
  EXPECT_EQ(follower.lead, nullptr);
  EXPECT_FALSE(follower.sink.received.empty());
  EXPECT_LE(follower.sink.received.size(), 100000U - 20);
  EXPECT_EQ(follower.sink.received, pack.substr(0, follower.sink.received.size()));
  EXPECT_FALSE(fs::exists(cache->entry_path("k")));
}

// A leader that writes nothing more for follow_stall: a follower that has sent nothing
// generates without caching (the stuck leader still holds the key), else it fails.
TEST_F(PackCacheTest, AStalledLeaderIsNotWaitedForForever) {
  options_.follow_stall = std::chrono::milliseconds(50);
  const std::string pack = make_pack(200000, 's');
  for (const size_t written : {size_t{0}, size_t{100000}}) {
    SCOPED_TRACE(written);
    fs::remove_all(options_.directory);
    auto cache = open();
    RecordingSink nothing;
    std::unique_ptr<PackCacheWriter> writer;
    ASSERT_EQ(cache->serve("k", nothing, &writer), PackCache::Served::kMiss);
    append(*writer, std::string_view(pack).substr(0, written));
    RecordingSink sink;
    std::unique_ptr<PackCacheWriter> lead;
    EXPECT_EQ(cache->serve("k", sink, &lead),
              written == 0 ? PackCache::Served::kMiss : PackCache::Served::kFailed);
    EXPECT_EQ(lead, nullptr);
    EXPECT_EQ(sink.received, pack.substr(0, sink.received.size()));
    EXPECT_EQ(sink.received.empty(), written == 0);
    EXPECT_EQ(writer->followers(), 0U);
  }
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST_F(PackCacheTest, TheDirectoryIs0700AndEntriesAndTempFiles0600) {
  const mode_t old_umask = ::umask(0);
  auto cache = open();
  const bool stored = store(*cache, "k", make_pack(100, 'm'));
  auto writer = cache->start("t");
  ::umask(old_umask);
  ASSERT_TRUE(stored && writer);
  EXPECT_EQ(mode_of(options_.directory), 0700U);
  EXPECT_EQ(mode_of(cache->entry_path("k")), 0600U);
  for (const auto& item : fs::directory_iterator(options_.directory)) {
    EXPECT_EQ(mode_of(item.path()), 0600U) << item.path();  // the temp file, the lock file
  }
}

// What an older gitgate, a root-run tool or an attacker left in the directory.
TEST_F(PackCacheTest, OpenFixesModesAndRemovesWhatIsNotOurs) {
  fs::create_directories(options_.directory);
  ASSERT_EQ(::chmod(options_.directory.c_str(), 0755), 0);
  const std::string pack = make_pack(100, 'o');
  std::ofstream(options_.directory / "old.pack", std::ios::binary) << pack;
  ASSERT_EQ(::chmod((options_.directory / "old.pack").c_str(), 0644), 0);
  std::ofstream(dir_ / "outside.pack", std::ios::binary) << pack;
  fs::create_symlink(dir_ / "outside.pack", options_.directory / "link.pack");
  ASSERT_EQ(::mkfifo((options_.directory / "fifo.pack").c_str(), 0600), 0);
  const bool root = ::geteuid() == 0;
  if (root) {
    std::ofstream(options_.directory / "theirs.pack", std::ios::binary) << pack;
    ASSERT_EQ(::chown((options_.directory / "theirs.pack").c_str(), 4242, 4242), 0);
  }
  auto cache = open();
  EXPECT_EQ(mode_of(options_.directory), 0700U);
  EXPECT_EQ(mode_of(options_.directory / "old.pack"), 0600U);
  for (const char* name : {"link.pack", "fifo.pack", "theirs.pack"}) {
    EXPECT_FALSE(fs::exists(fs::symlink_status(options_.directory / name))) << name;
  }
  EXPECT_EQ(read_file(dir_ / "outside.pack"), pack);  // a symlink's target is left alone
  RecordingSink sink;
  EXPECT_EQ(cache->serve("old", sink), PackCache::Served::kSent);
}

TEST_F(PackCacheTest, AnEntryThatIsNotOursIsNeverServed) {
  auto cache = open();
  const std::string pack = make_pack(100, 's');
  std::ofstream(dir_ / "secret.pack", std::ios::binary) << pack;
  fs::create_symlink(dir_ / "secret.pack", cache->entry_path("link"));
  RecordingSink sink;
  EXPECT_EQ(cache->serve("link", sink), PackCache::Served::kMiss);
  EXPECT_FALSE(fs::exists(fs::symlink_status(cache->entry_path("link"))));
  EXPECT_EQ(read_file(dir_ / "secret.pack"), pack);
  if (::geteuid() == 0) {
    ASSERT_TRUE(store(*cache, "theirs", pack));
    ASSERT_EQ(::chown(cache->entry_path("theirs").c_str(), 4242, 4242), 0);
    EXPECT_EQ(cache->serve("theirs", sink), PackCache::Served::kMiss);
    EXPECT_FALSE(fs::exists(cache->entry_path("theirs")));
  }
  EXPECT_TRUE(sink.received.empty());
}

// kInUse is what makes `gitgate serve` refuse to start; kUnusable only disables the cache.
TEST_F(PackCacheTest, ASecondCacheOnTheDirectoryIsRefusedAsInUse) {
  auto cache = open();
  auto second = PackCache::open(options_);
  ASSERT_TRUE(std::holds_alternative<PackCacheError>(second));
  EXPECT_EQ(std::get<PackCacheError>(second).kind, PackCacheError::Kind::kInUse);
  EXPECT_NE(std::get<PackCacheError>(second).message.find(options_.directory.string()),
            std::string::npos);
  cache.reset();
  EXPECT_TRUE(std::holds_alternative<std::unique_ptr<PackCache>>(PackCache::open(options_)));

  options_.directory = dir_ / "a-file";
  std::ofstream(options_.directory) << "not a directory";
  auto unusable = PackCache::open(options_);
  ASSERT_TRUE(std::holds_alternative<PackCacheError>(unusable));
  EXPECT_EQ(std::get<PackCacheError>(unusable).kind, PackCacheError::Kind::kUnusable);
}

// End to end: the real git client against upload_pack_stdio with a cache directory.
class PackCacheClone : public testing::GitFixture {
 protected:
  std::string clone(int version, const std::string& to) {
    return sh(fmt::format(
        "UPLOAD_PACK_STDIO_LOG=log UPLOAD_PACK_STDIO_CACHE_DIR=cache git -c protocol.version={} "
        "clone -q --no-local --upload-pack={} src {} && git -C {} fsck --full --no-dangling",
        version, UPLOAD_PACK_STDIO, to, to));
  }
  std::string log() { return sh("cat log 2>/dev/null; rm -f log"); }
  size_t entries() {
    size_t n = 0;
    for (const auto& item : fs::directory_iterator(dir_ / "cache")) {
      n += item.path().extension() == ".pack" ? 1 : 0;
    }
    return n;
  }
};

TEST_F(PackCacheClone, SecondCloneIsAHitAndAPushIsAMiss) {
  make_sample_repository();
  for (int version : {0, 2}) {
    SCOPED_TRACE(version);
    sh("rm -rf cache one two three");
    clone(version, "one");
    EXPECT_EQ(log(), fmt::format("exit=0 labels=cache:miss,clone,protocol:{}, error=\n", version));
    ASSERT_EQ(entries(), 1U);
    clone(version, "two");
    EXPECT_EQ(log(), fmt::format("exit=0 labels=cache:hit,clone,protocol:{}, error=\n", version));
    EXPECT_EQ(sh("git -C one rev-parse --all"), sh("git -C two rev-parse --all"));
    EXPECT_EQ(sh("git -C two rev-parse HEAD"), sh("git -C src rev-parse HEAD"));
    // A push moves a ref: a new key, a fresh pack with the new commit.
    sh(fmt::format("cd src && echo {} > pushed && git add pushed && git commit -qm pushed",
                   version));
    clone(version, "three");
    EXPECT_EQ(log(), fmt::format("exit=0 labels=cache:miss,clone,protocol:{}, error=\n", version));
    EXPECT_EQ(entries(), 2U);
    EXPECT_EQ(sh("git -C three rev-parse HEAD"), sh("git -C src rev-parse HEAD"));
  }
}

// A cut-off entry passes the header check, so its bytes go out but not a trailer: that
// clone fails (and its log line says the cache answered), the entry is gone, the next
// clone regenerates it.
TEST_F(PackCacheClone, ATruncatedEntryFailsOnceThenIsRegenerated) {
  make_sample_repository();
  clone(2, "one");
  log();
  for (const auto& item : fs::directory_iterator(dir_ / "cache")) {
    if (item.path().extension() == ".pack") {
      fs::resize_file(item.path(), fs::file_size(item.path()) - 30);
    }
  }
  const auto failed = testing::run(
      fmt::format("cd {} && UPLOAD_PACK_STDIO_LOG=log UPLOAD_PACK_STDIO_CACHE_DIR=cache git -c "
                  "protocol.version=2 clone -q --no-local --upload-pack={} src two",
                  testing::quote(dir_), UPLOAD_PACK_STDIO));
  EXPECT_NE(failed.status, 0) << failed.output;
  EXPECT_NE(failed.output.find("cannot send the cached pack"), std::string::npos) << failed.output;
  EXPECT_EQ(log().find("exit=128 labels=cache:hit,clone,protocol:2, error=upload-pack: cannot send "
                       "the cached"),
            0U);
  EXPECT_EQ(entries(), 0U);
  clone(2, "three");  // fsck --full passes: a whole pack, not the cut-off file
  EXPECT_EQ(log(), "exit=0 labels=cache:miss,clone,protocol:2, error=\n");
  clone(2, "four");
  EXPECT_EQ(log(), "exit=0 labels=cache:hit,clone,protocol:2, error=\n");
}

}  // namespace
}  // namespace gitgate::git
