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

#include "git/pack/digest.h"
#include "git/pack/libgit2.h"
#include "git/pack/pack_entry.h"
#include "git/receive/detail/object_codec.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

namespace fs = std::filesystem;
namespace pack = gitgate::git::pack;
using Bytes = std::vector<uint8_t>;
using testing::quote;

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_file_text(const fs::path& path) {
  const Bytes bytes = read_bytes(path);
  return {bytes.begin(), bytes.end()};
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

void write_bytes(const fs::path& path, const Bytes& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// A pack made by hand, for what pack-objects never writes: entries (an encoded header and
// the data it compresses), the SHA-1 trailer.
struct HandEntry {
  pack::EncodedHeader header;
  Bytes data;
};

Bytes hand_pack(const std::vector<HandEntry>& entries) {
  Bytes out;
  const auto header = pack::encode_pack_header(static_cast<uint32_t>(entries.size()));
  out.insert(out.end(), header.begin(), header.end());
  for (const HandEntry& e : entries) {
    out.insert(out.end(), e.header.view().begin(), e.header.view().end());
    uLongf length = compressBound(e.data.size());
    Bytes z(length);
    compress(z.data(), &length, e.data.data(), e.data.size());
    out.insert(out.end(), z.begin(), z.begin() + static_cast<ptrdiff_t>(length));
  }
  Digest sha1(EVP_sha1());
  sha1.update(out.data(), out.size());
  const auto sum = sha1.finish();
  out.insert(out.end(), sum->begin(), sum->end());
  return out;
}

Bytes text(const std::string& s) { return {s.begin(), s.end()}; }

Oid blob_id(const Bytes& data) {
  ObjectHasher hasher;
  Oid oid{};
  EXPECT_EQ(hasher.hash(3, data, oid), "");
  return oid;
}

// A delta from base (its size) to base + suffix: copy it all, insert suffix.
Bytes append_delta(size_t base_size, const std::string& suffix) {
  Bytes d;
  for (const size_t size : {base_size, base_size + suffix.size()}) {
    size_t v = size;
    while (v >= 0x80) {
      d.push_back(static_cast<uint8_t>(0x80 | (v & 0x7f)));
      v >>= 7;
    }
    d.push_back(static_cast<uint8_t>(v));
  }
  d.insert(d.end(), {0xb0, static_cast<uint8_t>(base_size), static_cast<uint8_t>(base_size >> 8)});
  d.push_back(static_cast<uint8_t>(suffix.size()));
  d.insert(d.end(), suffix.begin(), suffix.end());
  return d;
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

  // src: commits that each change one more line of a long file (so that pack-objects
  // writes deltas, in chains: each version is nearest the one before) and add a few files.
  void make_source(int commits) {
    sh("git init -q -b main src && seq 1 3000 > src/long");
    for (int c = 0; c < commits; ++c) {
      sh(
          fmt::format("cd src && sed -i 's/^{2}$/changed {0}/' long && seq {0} 500 > short && "
                      "mkdir -p d{1} && echo {0} > d{1}/f{0} && git add -A && git commit -qm c{0}",
                      c * 37, c % 3, (c * 37) + 1));
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

  // What git's own --fix-thin makes of it, in a copy of the repository.
  sh("git clone -q --bare dst.git fixed.git && git -C fixed.git index-pack --stdin --fix-thin "
     "--rev-index < " +
     quote(input) + " > fixed.out");
  const std::string out = read_file_text(dir_ / "fixed.out");  // "pack\t<checksum>\n"
  ASSERT_EQ(out.rfind("pack\t", 0), 0U) << out;
  const std::string fixed_name = out.substr(5, 40);
  const fs::path fixed = dir_ / "fixed.git" / "objects" / "pack" / ("pack-" + fixed_name);

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
  // gitgate's indexer appends the bases as git does: the same files as git's --fix-thin.
  if (std::string(GetParam().name) == "gitgate") {
    fs::path ext = fixed;
    expect_same_as_git(indexed, {fixed_name, read_bytes(ext.replace_extension(".pack")),
                                 read_bytes(ext.replace_extension(".idx")),
                                 read_bytes(ext.replace_extension(".rev"))});
  }
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

// Chains as deep as pack-objects makes them (--depth 50), shared out among 1 to 4
// threads; each time the files git writes.
TEST_P(PackIndexerTest, DeepChainsOnAnyNumberOfThreads) {
  make_source(60);
  const fs::path input = dir_ / "deep" / "incoming.pack";
  pack_objects("main\\n", "--delta-base-offset --depth=50 --window=50", input);
  const GitFiles git = git_index(input, "deep");
  const std::string depth = sh("git verify-pack -v " + quote(dir_ / "git-deep" / "x.idx") +
                               " | grep -c 'chain length = [1-9][0-9]'");
  EXPECT_GT(std::stoul(depth), 0U) << "no chain of 10 or more";
  for (const unsigned threads : {1U, 2U, 4U}) {
    const fs::path copy = dir_ / fmt::format("deep{}", threads) / "incoming.pack";
    fs::create_directories(copy.parent_path());
    fs::copy_file(input, copy);
    const auto result = std::string(GetParam().name) == "gitgate"
                            ? index_pack(copy, nullptr, PushSettings{}, {}, threads)
                            : GetParam().index(copy, nullptr, PushSettings{}, {});
    ASSERT_TRUE(std::holds_alternative<IndexedPack>(result))
        << std::get<IndexFailure>(result).reason;
    expect_same_as_git(std::get<IndexedPack>(result), git);
  }
}

// A REF_DELTA before its base (pack-objects never writes one; git index-pack takes it).
TEST_P(PackIndexerTest, RefDeltaBeforeItsBase) {
  const Bytes base = text("the base of a delta that comes first\n");
  const Bytes delta = append_delta(base.size(), "and more\n");
  const Bytes bytes =
      hand_pack({{pack::encode_ref_delta_header(delta.size(), blob_id(base)), delta},
                 {pack::encode_entry_header(pack::EntryType::kBlob, base.size()), base}});
  const fs::path input = dir_ / "fwd" / "incoming.pack";
  write_bytes(input, bytes);
  const GitFiles git = git_index(input, "fwd");
  const auto result = GetParam().index(input, nullptr, PushSettings{}, {});
  ASSERT_TRUE(std::holds_alternative<IndexedPack>(result)) << std::get<IndexFailure>(result).reason;
  expect_same_as_git(std::get<IndexedPack>(result), git);
}

// What gitgate's indexer refuses that libgit2's does not check.
class OwnIndexerTest : public PackIndexerTest {};

TEST_F(OwnIndexerTest, Refusals) {
  const Bytes base = text("0123456789");
  const Bytes delta = append_delta(base.size(), "abcdef");  // yields 16 bytes
  const auto blob = [](const Bytes& data) {
    return HandEntry{pack::encode_entry_header(pack::EntryType::kBlob, data.size()), data};
  };
  const auto ofs = [&](size_t distance) {
    return HandEntry{pack::encode_ofs_delta_header(delta.size(), distance), delta};
  };
  struct Refusal {
    std::string name;
    Bytes pack;
    PushSettings limits;
    std::string reason;
  };
  PushSettings small;
  small.max_object_bytes = 15;
  PushSettings tiny;
  tiny.max_object_bytes = 9;
  PushSettings one_object;
  one_object.max_objects = 1;
  const Bytes good = hand_pack({blob(base), ofs(hand_pack({blob(base)}).size() - 12 - 20)});
  std::vector<Refusal> refusals = {
      {"delta result over max_object_bytes", good, small,
       "yields 16 bytes, more than max_object_bytes (15)"},
      {"whole object over max_object_bytes", good, tiny,
       "has 10 bytes, more than max_object_bytes (9)"},
      {"more objects than max_objects", good, one_object,
       "pack has 2 objects, more than max_objects (1)"},
      {"the same object twice", hand_pack({blob(base), blob(base)}), {}, "twice"},
      {"unresolved REF_DELTA",
       hand_pack({{pack::encode_ref_delta_header(delta.size(), blob_id(base)), delta}}),
       {},
       "pack has 1 unresolved deltas"},
      {"bad trailer",
       [&] {
         Bytes b = good;
         b.back() ^= 1;
         return b;
       }(),
       {},
       "pack trailer does not match"},
  };
  // The good pack itself passes with the default limits and with exactly 16.
  PushSettings exact;
  exact.max_object_bytes = 16;
  for (const PushSettings& limits : {PushSettings{}, exact}) {
    write_bytes(dir_ / "good" / "incoming.pack", good);
    const auto ok = index_pack(dir_ / "good" / "incoming.pack", nullptr, limits, {}, 2);
    ASSERT_TRUE(std::holds_alternative<IndexedPack>(ok)) << std::get<IndexFailure>(ok).reason;
    fs::remove_all(dir_ / "good");
  }
  for (const Refusal& r : refusals) {
    const fs::path input = dir_ / "refused" / "incoming.pack";
    write_bytes(input, r.pack);
    const auto result = index_pack(input, nullptr, r.limits, {}, 2);
    ASSERT_TRUE(std::holds_alternative<IndexFailure>(result)) << r.name;
    EXPECT_NE(std::get<IndexFailure>(result).reason.find(r.reason), std::string::npos)
        << r.name << ": " << std::get<IndexFailure>(result).reason;
    EXPECT_EQ(names_in(input.parent_path()), std::vector<std::string>{"incoming.pack"}) << r.name;
    fs::remove_all(input.parent_path());
  }
}

INSTANTIATE_TEST_SUITE_P(Indexers, PackIndexerTest,
                         ::testing::Values(Indexer{"libgit2", &index_pack_libgit2},
                                           Indexer{"gitgate", &ours}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace gitgate::git::detail
