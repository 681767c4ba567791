// Shared by the pack cache's tests: packs that check out, sinks that record what they
// were sent, a serve() on its own thread, and a cache in a scratch directory whose free
// space the test sets.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "git/cache/cache_directory.h"
#include "git/cache/pack_cache.h"

namespace gitgate::git::pack_cache_fixtures {

namespace fs = std::filesystem;

// "PACK", version 2, count, a body, then the SHA-1 of all that: what the cache checks.
inline std::string make_pack(size_t body_size, char fill) {
  std::string pack("PACK\0\0\0\2\0\0\0\1", 12);
  pack.append(body_size, fill);
  std::array<uint8_t, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const uint8_t*>(pack.data()), pack.size(), digest.data());
  pack.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return pack;
}

class RecordingSink : public PackSink {
 public:
  explicit RecordingSink(size_t accept_bytes = SIZE_MAX) : accept_bytes_(accept_bytes) {}
  bool pack_data(std::span<const uint8_t> bytes) override {
    if (received.size() + bytes.size() > accept_bytes_) {
      return false;
    }
    received.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    ++chunks;
    return true;
  }
  void progress(std::string_view /*text*/) override {}
  std::string received;
  size_t chunks = 0;

 private:
  size_t accept_bytes_;
};

// A RecordingSink that others can wait on (bounded) until it has received some bytes.
class WatchedSink : public RecordingSink {
 public:
  bool pack_data(std::span<const uint8_t> bytes) override {
    const bool ok = RecordingSink::pack_data(bytes);
    {
      const std::lock_guard lock(mu_);
      seen_ = received.size();
    }
    changed_.notify_all();
    return ok;
  }
  bool wait_for_bytes(size_t at_least) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return seen_ >= at_least; });
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  size_t seen_ = 0;
};

// One serve() on its own thread; get() waits at most 10 s.
struct Request {
  WatchedSink sink;
  std::unique_ptr<PackCacheWriter> lead;
  std::future<PackCache::Served> served;

  void start(PackCache& cache, std::string_view key) {
    served = std::async(std::launch::async,
                        [this, &cache, key] { return cache.serve(key, sink, &lead); });
  }
  std::optional<PackCache::Served> get() {
    if (served.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      return std::nullopt;
    }
    return served.get();
  }
};

inline void append(PackCacheWriter& writer, std::string_view bytes) {
  writer.append({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Sets a file's access (LRU) and modification (TTL) times, seconds before now.
inline void age(const fs::path& path, time_t accessed_ago, time_t modified_ago) {
  const time_t now = ::time(nullptr);
  const std::array<timespec, 2> times{timespec{now - accessed_ago, 0},
                                      timespec{now - modified_ago, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times.data(), 0), 0);
}

class PackCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "gitgate-pc-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    options_.directory = dir_ / "cache";
    options_.min_free_bytes = 100;
    options_.free_space = [this](const fs::path&) { return free_; };
    // Bounds every follower's wait (the default is 5 minutes): a Request's get() gives up
    // after 10 s, but its future's destructor waits for serve() to return.
    options_.follow_stall = std::chrono::seconds(5);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<PackCache> open() {
    auto opened = PackCache::open(options_);
    EXPECT_TRUE(std::holds_alternative<std::unique_ptr<PackCache>>(opened));
    return std::move(std::get<std::unique_ptr<PackCache>>(opened));
  }
  static bool store(PackCache& cache, std::string_view key, const std::string& pack) {
    auto writer = cache.start(key);
    if (!writer) {
      return false;
    }
    // Odd-sized pieces, as a pack writer hands them over.
    for (size_t at = 0; at < pack.size(); at += 1000) {
      const std::string_view piece = std::string_view(pack).substr(at, 1000);
      writer->append({reinterpret_cast<const uint8_t*>(piece.data()), piece.size()});
    }
    return writer->commit();
  }
  // Files in the directory besides the lock file.
  size_t files() const {
    size_t n = 0;
    for (const auto& item : fs::directory_iterator(options_.directory)) {
      n += item.path().filename() != detail::kLockFileName ? 1 : 0;
    }
    return n;
  }

  fs::path dir_;
  PackCacheOptions options_;
  std::optional<uint64_t> free_ = uint64_t{1} << 40;
};

}  // namespace gitgate::git::pack_cache_fixtures
