// index_pack and index_pack_libgit2 against `git index-pack`: for the same (non-thin)
// pack the .pack, .idx and .rev must be git's byte for byte; a thin pack is completed
// from the repository into a pack git verifies; a bad pack leaves nothing behind.
#include "git/receive/pack_indexer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "git/pack/libgit2.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using testing::quote;

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string hex(const git_oid& oid) {
  std::array<char, GIT_OID_HEXSZ + 1> out{};
  git_oid_tostr(out.data(), out.size(), &oid);
  return out.data();
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

using IndexFn = std::variant<IndexedPack, IndexFailure> (*)(const fs::path&, git_repository*,
                                                            const PushSettings&,
                                                            const IndexProgress&);

struct Indexer {
  const char* name;
  IndexFn index;
};

std::variant<IndexedPack, IndexFailure> ours(const fs::path& pack, git_repository* repo,
                                             const PushSettings& limits,
                                             const IndexProgress& progress) {
  return index_pack(pack, repo, limits, progress, 2);
}

class PackIndexerTest : public testing::GitFixture, public ::testing::WithParamInterface<Indexer> {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    ensure_libgit2();
  }
  void TearDown() override {
    repo_.reset();
    GitFixture::TearDown();
  }

  // src: commits that each change a long file a little (so that pack-objects writes
  // deltas, chains of them) and add a few new files.
  void make_source(int commits) {
    sh("git init -q -b main src");
    for (int c = 0; c < commits; ++c) {
      sh(fmt::format(
          "cd src && seq 1 3000 | sed 's/^{0}$/changed {0}/' > long && seq {0} 500 > short && "
          "mkdir -p d{1} && echo {0} > d{1}/f{0} && git add -A && git commit -qm c{0}",
          c * 37, c % 3));
    }
  }

  // A pack of what rev_args name, made by pack-objects with options, at path.
  void pack_objects(const std::string& rev_args, const std::string& options, const fs::path& path) {
    fs::create_directories(path.parent_path());
    sh("cd src && printf '" + rev_args + "' | git pack-objects -q --revs --stdout " + options +
       " > " + quote(path));
  }

  // git index-pack's files for a copy of pack (as x.pack in a directory of its own).
  struct GitFiles {
    std::string checksum;
    Bytes pack, idx, rev;
  };
  GitFiles git_index(const fs::path& pack, const std::string& name) {
    const fs::path dir = dir_ / ("git-" + name);
    fs::create_directories(dir);
    fs::copy_file(pack, dir / "x.pack");
    GitFiles files;
    files.checksum = sh("git index-pack --rev-index " + quote(dir / "x.pack"));
    files.checksum.erase(files.checksum.find_last_not_of('\n') + 1);
    files.pack = read_bytes(dir / "x.pack");
    files.idx = read_bytes(dir / "x.idx");
    files.rev = read_bytes(dir / "x.rev");
    return files;
  }

  git_repository* open(const std::string& name) {
    git_repository* raw = nullptr;
    EXPECT_EQ(git_repository_open(&raw, (dir_ / name).c_str()), 0) << last_error("");
    repo_.reset(raw);
    return raw;
  }

  // Expects our files to be git's for the same pack.
  void expect_same_as_git(const IndexedPack& indexed, const GitFiles& git) {
    EXPECT_EQ(hex(indexed.checksum), git.checksum);
    EXPECT_EQ(indexed.pack.filename(), "pack-" + git.checksum + ".pack");
    EXPECT_EQ(indexed.index.filename(), "pack-" + git.checksum + ".idx");
    EXPECT_TRUE(read_bytes(indexed.pack) == git.pack) << "pack differs";
    EXPECT_TRUE(read_bytes(indexed.index) == git.idx) << "idx differs";
    fs::path rev = indexed.index;
    rev.replace_extension(".rev");
    const Bytes our_rev = read_bytes(rev);
    EXPECT_FALSE(our_rev.empty());
    EXPECT_TRUE(our_rev == git.rev) << "rev differs";
  }

  RepositoryPtr repo_;
};

TEST_P(PackIndexerTest, SameFilesAsGitIndexPack) {
  make_source(12);
  for (const std::string options : {"--delta-base-offset", ""}) {  // OFS_DELTA, REF_DELTA
    const std::string name = options.empty() ? "ref" : "ofs";
    const fs::path input = dir_ / ("in-" + name) / "incoming.pack";
    pack_objects("main\\n", options, input);
    const GitFiles git = git_index(input, name);
    const std::string count = sh("cd src && git rev-list --objects main | wc -l");
    const auto result = GetParam().index(input, nullptr, PushSettings{}, {});
    ASSERT_TRUE(std::holds_alternative<IndexedPack>(result))
        << std::get<IndexFailure>(result).reason;
    const auto& indexed = std::get<IndexedPack>(result);
    expect_same_as_git(indexed, git);
    EXPECT_EQ(indexed.objects, std::stoul(count));
    EXPECT_EQ(indexed.added_bases, 0U);
    // The input is replaced by the named pack.
    EXPECT_EQ(
        names_in(input.parent_path()),
        (std::vector<std::string>{"pack-" + git.checksum + ".idx", "pack-" + git.checksum + ".pack",
                                  "pack-" + git.checksum + ".rev"}));
  }
}

TEST_P(PackIndexerTest, ThinPackCompletedFromTheRepository) {
  make_source(4);
  sh("git clone -q --bare src dst.git");
  const std::string old = sh("cd src && git rev-parse main");
  sh("cd src && seq 1 3000 | sed 's/^7$/new/' > long && git commit -qam thin");
  const fs::path input = dir_ / "q" / "incoming.pack";
  pack_objects("main\\n^" + old.substr(0, 40) + "\\n", "--thin --delta-base-offset", input);
  // git itself refuses it without --fix-thin: it is thin.
  fs::create_directories(dir_ / "plain");
  fs::copy_file(input, dir_ / "plain" / "x.pack");
  EXPECT_NE(testing::run("git index-pack " + quote(dir_ / "plain" / "x.pack")).status, 0);

  // Without the repository the bases cannot be found: an error, nothing left but the input.
  const auto alone = GetParam().index(input, nullptr, PushSettings{}, {});
  ASSERT_TRUE(std::holds_alternative<IndexFailure>(alone));
  EXPECT_EQ(names_in(input.parent_path()), std::vector<std::string>{"incoming.pack"});

  const auto result = GetParam().index(input, open("dst.git"), PushSettings{}, {});
  ASSERT_TRUE(std::holds_alternative<IndexedPack>(result)) << std::get<IndexFailure>(result).reason;
  const auto& indexed = std::get<IndexedPack>(result);
  EXPECT_GE(indexed.added_bases, 1U);
  // The commit, its root tree and long (a delta on the old long): 3 objects sent.
  EXPECT_EQ(indexed.objects, 3U + indexed.added_bases);
  // git finds the completed pack whole and consistent, and indexes it as we did.
  sh("git verify-pack " + quote(indexed.index));
  expect_same_as_git(indexed, git_index(indexed.pack, "completed"));
  // The new objects are readable once the pack sits in the repository.
  sh("cp " + quote(indexed.pack) + " " + quote(indexed.index) + " dst.git/objects/pack/");
  sh("git -C dst.git cat-file -p " + sh("cd src && git rev-parse main:long").substr(0, 40) +
     " | grep -qx new");
}

TEST_P(PackIndexerTest, CorruptPackLeavesOnlyTheInput) {
  make_source(3);
  const fs::path input = dir_ / "bad" / "incoming.pack";
  pack_objects("main\\n", "--delta-base-offset", input);
  Bytes bytes = read_bytes(input);
  bytes[bytes.size() / 2] ^= 0x40;
  {
    std::ofstream out(input, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  const auto result = GetParam().index(input, nullptr, PushSettings{}, {});
  ASSERT_TRUE(std::holds_alternative<IndexFailure>(result));
  EXPECT_FALSE(std::get<IndexFailure>(result).reason.empty());
  EXPECT_EQ(names_in(input.parent_path()), std::vector<std::string>{"incoming.pack"});
}

TEST_P(PackIndexerTest, ProgressCountsDeltas) {
  make_source(8);
  const fs::path input = dir_ / "p" / "incoming.pack";
  pack_objects("main\\n", "--delta-base-offset", input);
  uint32_t last_resolved = 0;
  uint32_t last_total = 0;
  IndexProgress progress;
  progress.deltas = [&](uint32_t resolved, uint32_t total) {
    EXPECT_GE(resolved, last_resolved);
    last_resolved = resolved;
    last_total = total;
  };
  const auto result = GetParam().index(input, nullptr, PushSettings{}, progress);
  ASSERT_TRUE(std::holds_alternative<IndexedPack>(result));
  const std::string deltas = sh("git verify-pack -v " + quote(std::get<IndexedPack>(result).index) +
                                " | awk 'NF == 7' | wc -l");
  EXPECT_GT(last_total, 0U);
  EXPECT_EQ(last_total, std::stoul(deltas));
  EXPECT_EQ(last_resolved, last_total);
}

INSTANTIATE_TEST_SUITE_P(Indexers, PackIndexerTest,
                         ::testing::Values(Indexer{"libgit2", &index_pack_libgit2},
                                           Indexer{"gitgate", &ours}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace gitgate::git::detail
