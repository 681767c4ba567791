// Shallow and partial fetches with the real git client against upload_pack_stdio, in
// every protocol version, checked against git's own upload-pack serving the same
// repository: the same shallow boundary, the same objects, and git fsck is content.
#include "git/protocol/fetch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "git/cache/pack_cache_key.h"
#include "git/pack/libgit2.h"
#include "git/protocol/advertisement.h"
#include "tests/git/git_fixture.h"
#include "tests/git/memory_stream.h"

namespace gitgate::git::detail {
namespace {

using testing::quote;
using testing::run;

class Fetch : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    make_sample_repository();
    // Three more commits with dates a day apart, and blobs of 3 kB (over blob:limit=1k).
    for (int i = 4; i <= 6; ++i) {
      sh(fmt::format(
          "cd src && head -c 3000 /dev/zero | tr '\\0' '{0}' > big{0} && echo {0} > d/e/h{0} && "
          "git add -A && GIT_COMMITTER_DATE='2030-01-0{0} 00:00:00 +0000' git commit -qm c{0}",
          i));
    }
    sh("cd src && git config uploadpack.allowFilter true && "
       "git config uploadpack.allowAnySHA1InWant true");
  }

  // A git command line that uses upload_pack_stdio (mine) or git's upload-pack (native).
  std::string git(int version, bool mine) {
    return fmt::format("UPLOAD_PACK_STDIO_LOG={} git -c protocol.version={} {}",
                       quote(dir_ / "log"), version,
                       mine ? std::string("-c remote.origin.uploadpack=") + UPLOAD_PACK_STDIO + " "
                            : std::string());
  }
  std::string clone(int version, bool mine, const std::string& options, const std::string& to) {
    const std::string upload = mine ? std::string(" --upload-pack=") + UPLOAD_PACK_STDIO : "";
    return sh(git(version, mine) + "clone -q --no-local" + upload + " " + options + " src " + to);
  }
  std::string fetch(int version, bool mine, const std::string& repo, const std::string& options) {
    return sh("cd " + repo + " && " + git(version, mine) + "fetch -q " + options + " origin");
  }
  // What a repository holds: its shallow file and every object id, sorted.
  std::string state(const std::string& repo) {
    sh("git -C " + repo + " fsck --no-dangling");
    return sh("cat " + repo + "/.git/shallow 2>/dev/null | sort; echo --; git -C " + repo +
              " cat-file --batch-all-objects --batch-check='%(objectname) %(objecttype)'");
  }
  std::string log() { return sh("cat log 2>/dev/null; rm -f log"); }
};

TEST_F(Fetch, DepthThenDeepenThenUnshallow) {
  for (int version : {0, 1, 2}) {
    SCOPED_TRACE(version);
    sh("rm -rf mine theirs");
    clone(version, true, "--depth=1", "mine");
    clone(version, false, "--depth=1", "theirs");
    EXPECT_EQ(log(), fmt::format("exit=0 labels=clone,protocol:{},shallow, error=\n", version));
    EXPECT_EQ(state("mine"), state("theirs"));
    EXPECT_EQ(sh("git -C mine rev-list --count HEAD"), "1\n");
    for (const std::string options : {"--deepen=2", "--unshallow"}) {
      fetch(version, true, "mine", options);
      fetch(version, false, "theirs", options);
      // --unshallow is followed by a second request for the tags it now reaches.
      EXPECT_EQ(
          log().find(fmt::format("exit=0 labels=fetch,protocol:{},shallow, error=\n", version)), 0U)
          << options;
      EXPECT_EQ(state("mine"), state("theirs")) << options;
    }
    EXPECT_EQ(sh("git -C mine rev-list --count --all"), sh("git -C src rev-list --count --all"));
    EXPECT_FALSE(std::filesystem::exists(dir_ / "mine/.git/shallow"));
  }
}

TEST_F(Fetch, ShallowSinceAndExclude) {
  for (int version : {0, 2}) {
    SCOPED_TRACE(version);
    for (const std::string options : {"--shallow-since=2030-01-05", "--shallow-exclude=v1",
                                      "--shallow-exclude=side", "--depth=2 --no-single-branch"}) {
      sh("rm -rf mine theirs");
      clone(version, true, options, "mine");
      clone(version, false, options, "theirs");
      EXPECT_EQ(log(), fmt::format("exit=0 labels=clone,protocol:{},shallow, error=\n", version));
      EXPECT_EQ(state("mine"), state("theirs")) << options;
    }
  }
}

TEST_F(Fetch, FetchIntoAShallowClone) {
  for (int version : {0, 2}) {
    SCOPED_TRACE(version);
    sh("rm -rf mine theirs && git -C src reset -q --hard HEAD");
    clone(version, true, "--depth=1", "mine");
    clone(version, false, "--depth=1", "theirs");
    log();
    sh(fmt::format("cd src && echo {0} > new{0} && git add -A && git commit -qm new{0}", version));
    fetch(version, true, "mine", "");
    fetch(version, false, "theirs", "");
    EXPECT_EQ(log(), fmt::format("exit=0 labels=fetch,protocol:{},shallow, error=\n", version));
    EXPECT_EQ(state("mine"), state("theirs"));
    fetch(version, true, "mine", "");  // nothing new
    EXPECT_EQ(log(), fmt::format("exit=0 labels=protocol:{},refs, error=\n", version));
  }
}

TEST_F(Fetch, FiltersMatchGit) {
  for (int version : {0, 2}) {
    SCOPED_TRACE(version);
    for (const std::string filter : {"blob:none", "blob:limit=1k", "tree:0", "tree:2",
                                     "combine:blob:none+tree:3", "object:type=commit"}) {
      sh("rm -rf mine theirs");
      clone(version, true, "--no-checkout --filter=" + filter, "mine");
      clone(version, false, "--no-checkout --filter=" + filter, "theirs");
      EXPECT_EQ(log(), fmt::format("exit=0 labels=clone,protocol:{}, error=\n", version));
      EXPECT_EQ(state("mine"), state("theirs")) << filter;
    }
  }
}

// A blob:none clone fetches the blobs a checkout needs one request at a time (wants of
// blobs by id, reachable but never advertised).
TEST_F(Fetch, LazyFetchesOfAPartialClone) {
  for (int version : {0, 1, 2}) {
    SCOPED_TRACE(version);
    sh("rm -rf mine");
    clone(version, true, "--filter=blob:none", "mine");
    sh("git -C mine config remote.origin.uploadpack " UPLOAD_PACK_STDIO);
    sh("cd mine && " + git(version, true) + "log -p HEAD~3..HEAD > /dev/null");
    sh("git -C mine fsck --no-dangling");
    EXPECT_EQ(sh("cd mine && git status --porcelain"), "");
    EXPECT_EQ(sh("cd mine && git diff HEAD --stat"), "");
    const std::string lines = log();
    EXPECT_EQ(lines.find("exit=0 labels=clone,protocol:"), 0U) << lines;
    EXPECT_EQ(lines.find("exit=128"), std::string::npos) << lines;
    // The clone and at least one lazy fetch of the blobs the checkout needed.
    EXPECT_GE(std::count(lines.begin(), lines.end(), '\n'), 2) << lines;
  }
}

// With a 1 ms keepalive interval, empty band-1 packets go out wherever the server pauses
// for a millisecond (before and between pack bytes); the real client takes them in
// every version. (Keepalive's own tests show that they are sent.)
TEST_F(Fetch, ClientAcceptsKeepalives) {
  for (int version : {0, 1, 2}) {
    SCOPED_TRACE(version);
    sh("rm -rf mine");
    sh("UPLOAD_PACK_STDIO_KEEPALIVE_MS=1 " + git(version, true) +
       "clone -q --no-local --upload-pack=" + UPLOAD_PACK_STDIO + " src mine");
    sh("git -C mine fsck --strict");
    EXPECT_EQ(log(), fmt::format("exit=0 labels=clone,protocol:{}, error=\n", version));
    EXPECT_EQ(sh("git -C mine rev-parse HEAD"), sh("git -C src rev-parse HEAD"));
  }
}

TEST_F(Fetch, RefusedFilterAndShallowRequests) {
  struct Case {
    std::string options;
    std::string message;
  };
  for (int version : {0, 2}) {
    for (const Case& c : std::vector<Case>{
             {"--filter=sparse:oid=main:x", "filter 'sparse:oid' not supported"},
             {"--shallow-exclude=nothing", "deepen-not is not a ref: deepen-not nothing"},
             {"--shallow-since=2040-01-01", "no commits selected for shallow requests"},
         }) {
      const auto result = run("cd " + quote(dir_) + " && " + git(version, true) +
                              "clone --no-local --upload-pack=" + UPLOAD_PACK_STDIO + " " +
                              c.options + " src refused");
      EXPECT_NE(result.status, 0) << c.options;
      // The server reads the client until it hangs up after a refusal (drain_client), so
      // the client always gets to print the ERR line.
      EXPECT_NE(result.output.find(c.message), std::string::npos) << c.options << result.output;
      const std::string lines = log();
      EXPECT_NE(lines.find("exit=128"), std::string::npos) << lines;
      EXPECT_NE(lines.find(c.message), std::string::npos) << lines;
      sh("rm -rf refused");
    }
  }
}

// The pack cache as send_pack uses it, in process, as the server's sessions do.
class FetchCache : public Fetch {
 protected:
  void SetUp() override {
    Fetch::SetUp();
    ensure_libgit2();
    PackCacheOptions options;
    options.directory = dir_ / "cache";
    options.min_free_bytes = 0;
    options.follow_stall = std::chrono::seconds(20);
    auto opened = PackCache::open(std::move(options));
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<PackCache>>(opened));
    cache_ = std::move(std::get<std::unique_ptr<PackCache>>(opened));
  }

  struct Answer {
    std::string pack;
    CacheUse use = CacheUse::kNone;
    std::string failure;
  };
  // One clone of every ref, the way a session runs it: its own repository handle.
  Answer clone_in_process(bool client_gone = false) {
    Answer answer;
    auto opened = open_repository(dir_ / "src");
    if (auto* failure = std::get_if<PackFailure>(&opened)) {
      answer.failure = failure->what;
      return answer;
    }
    auto& repo = std::get<RepositoryPtr>(opened);
    auto refs = read_refs(repo.get());
    if (auto* error = std::get_if<std::string>(&refs)) {
      answer.failure = *error;
      return answer;
    }
    PackRequest request;
    for (const auto& ref : std::get<RefSet>(refs).refs) {
      request.wants.push_back(ref.id);
    }
    request.ofs_delta = true;
    request.cache = cache_.get();
    testing::MemoryStream stream("");
    if (client_gone) {
      stream.fail_writes();
    }
    Output out(stream);  // no side-band: the output is the pack itself
    out.begin_pack();
    const auto cache_used = [&answer](CacheUse use) { answer.use = use; };
    if (auto failure = send_pack(repo.get(), std::get<RefSet>(refs), request, out, cache_used)) {
      answer.failure = failure->what;
    }
    answer.pack = stream.output();
    return answer;
  }

  // The key send_pack computes for a clone of every ref of src as it is now.
  std::string clone_key() {
    auto opened = open_repository(dir_ / "src");
    auto& repo = std::get<RepositoryPtr>(opened);
    const auto refs = std::get<RefSet>(read_refs(repo.get()));
    PackRequest request;
    for (const auto& ref : refs.refs) {
      request.wants.push_back(ref.id);
    }
    request.ofs_delta = true;
    const auto path = std::filesystem::canonical(git_repository_path(repo.get()));
    return pack_cache_key(path.string(), refs, request).value_or("");
  }

  std::unique_ptr<PackCache> cache_;
};

// 16 identical clones at once (a CI fleet): one generation, the same complete pack for
// every one of them, each labelled as a hit or (the one that generated) a miss.
TEST_F(FetchCache, ConcurrentIdenticalClonesShareOneGeneration) {
  constexpr size_t kClones = 16;
  std::latch go(kClones);
  std::vector<Answer> answers(kClones);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < kClones; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      answers[i] = clone_in_process();
    });
  }
  for (std::thread& t : threads) {
    t.join();  // bounded: follow_stall ends any wait for a stuck generation
  }
  EXPECT_EQ(cache_->counters().misses, 1U);
  EXPECT_EQ(cache_->counters().hits + cache_->counters().shared, kClones - 1);
  size_t misses = 0;
  for (const Answer& answer : answers) {
    EXPECT_EQ(answer.failure, "");
    EXPECT_EQ(answer.pack, answers[0].pack);
    misses += answer.use == CacheUse::kMiss ? 1 : 0;
    EXPECT_NE(answer.use, CacheUse::kNone);
  }
  EXPECT_EQ(misses, 1U);
  // The pack is whole: git indexes it and finds every object of the repository.
  std::ofstream(dir_ / "shared.pack", std::ios::binary) << answers[0].pack;
  sh("git index-pack --strict -o shared.idx shared.pack > /dev/null");
  EXPECT_EQ(sh("git verify-pack -v shared.idx | grep -cE '^[0-9a-f]{40} '"),
            sh("git -C src rev-list --objects --all | wc -l | tr -d ' '"));
}

// Two identical clones wait on a generation (held here) that is then dropped before its
// first byte: one of them leads a new generation and the other follows it. When the one
// whose client is already gone leads, it still writes the pack for its follower. Which one
// leads is up to the scheduler, so a few rounds; the one whose client stays must get the
// whole pack in every round.
TEST_F(FetchCache, ALeaderWhoseClientLeftStillServesItsFollower) {
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(round);
    sh(
        fmt::format("cd src && head -c 300000 /dev/urandom > r{0} && git add r{0} && "
                    "git commit -qm r{0}",
                    round));
    const std::string key = clone_key();
    ASSERT_FALSE(key.empty());
    std::unique_ptr<PackCacheWriter> held;
    testing::MemoryStream unused("");
    Output nowhere(unused);
    ASSERT_EQ(cache_->serve(key, nowhere, &held), PackCache::Served::kMiss);
    ASSERT_NE(held, nullptr);
    const uint64_t misses = cache_->counters().misses;
    Answer gone;
    Answer stays;
    std::thread leaving([&] { gone = clone_in_process(true); });
    std::thread staying([&] { stays = clone_in_process(false); });
    const bool lined_up = held->wait_for_followers(2, std::chrono::seconds(10));
    held.reset();
    leaving.join();
    staying.join();
    ASSERT_TRUE(lined_up);
    // One generation for both, or two when the one whose client left led and stopped
    // before the other had joined it again (that one then generates itself).
    EXPECT_LE(cache_->counters().misses, misses + 2);
    EXPECT_GE(cache_->counters().misses, misses + 1);
    EXPECT_NE(gone.failure, "");
    EXPECT_EQ(stays.failure, "");
    EXPECT_NE(stays.use, CacheUse::kNone);
    std::ofstream(dir_ / "stays.pack", std::ios::binary | std::ios::trunc) << stays.pack;
    sh("rm -f stays.idx && git index-pack --strict -o stays.idx stays.pack > /dev/null");
    std::ifstream entry(cache_->entry_path(key), std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(entry), {}), stays.pack);
  }
}

// cache:hit / cache:miss only for requests the cache could answer (clones); a fetch with
// haves carries no cache label at all.
TEST_F(FetchCache, CacheLabelsOnlyForCacheableRequests) {
  struct Step {
    std::string command;  // "clone OPTIONS" or "fetch OPTIONS" into mine
    std::string labels;   // for protocol {0}
  };
  const std::vector<Step> steps = {
      {"clone", "cache:miss,clone,protocol:{},"},
      {"clone", "cache:hit,clone,protocol:{},"},
      {"fetch", "fetch,protocol:{},"},  // after a new commit: haves, never cacheable
      {"clone --depth=1", "cache:miss,clone,protocol:{},shallow,"},
      {"clone --depth=1", "cache:hit,clone,protocol:{},shallow,"},
  };
  for (int version : {0, 2}) {
    SCOPED_TRACE(version);
    sh("rm -rf cache mine");
    for (const Step& step : steps) {
      const std::string env = "UPLOAD_PACK_STDIO_CACHE_DIR=" + quote(dir_ / "cache") + " ";
      if (step.command.starts_with("clone")) {
        sh("rm -rf mine");
        sh(env + git(version, true) + step.command +
           " -q --no-local --upload-pack=" + UPLOAD_PACK_STDIO + " src mine");
      } else {
        sh(fmt::format("cd src && echo {0} > l{0} && git add -A && git commit -qm l{0}", version));
        sh("cd mine && " + env + git(version, true) + "fetch -q origin");
      }
      EXPECT_EQ(log(),
                fmt::format(fmt::runtime("exit=0 labels=" + step.labels + " error=\n"), version))
          << step.command;
    }
  }
}

}  // namespace
}  // namespace gitgate::git::detail
