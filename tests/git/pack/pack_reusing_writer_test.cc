// The reusing pack writer against git itself: packs it writes must pass
// `git index-pack --strict` in an empty repository and `git verify-pack`, hold exactly
// the chosen objects, and keep the stored deltas whose bases are sent too.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "git/pack/libgit2.h"
#include "git/pack/pack_entry.h"
#include "git/pack/pack_writer.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git {
namespace {

// Collects the pack in memory and remembers the chunking; can refuse after N chunks.
class RecordingSink : public PackSink {
 public:
  explicit RecordingSink(size_t accept_chunks = SIZE_MAX) : accept_chunks_(accept_chunks) {}
  bool pack_data(std::span<const uint8_t> bytes) override {
    if (chunks_.size() >= accept_chunks_) {
      ++refused_;
      return false;
    }
    chunks_.push_back(bytes.size());
    data_.append(bytes.begin(), bytes.end());
    return true;
  }
  void progress(std::string_view text) override { progress_ += text; }

  std::string data_;
  std::vector<size_t> chunks_;
  std::string progress_;
  size_t refused_ = 0;

 private:
  size_t accept_chunks_;
};

// One line of `git verify-pack -v`: "<oid> <type> <size> <size-in-pack> <offset> [<depth>
// <base>]".
struct VerifiedEntry {
  std::string type;
  uint64_t offset = 0;
  bool delta = false;
};

// The object lines of `git verify-pack -v`, by oid.
std::map<std::string, VerifiedEntry> parse_verify_pack(const std::string& output) {
  std::map<std::string, VerifiedEntry> entries;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string oid;
    VerifiedEntry entry;
    uint64_t size = 0;
    uint64_t packed = 0;
    if (line.size() > 40 && line[40] == ' ' &&
        (fields >> oid >> entry.type >> size >> packed >> entry.offset)) {
      std::string depth;
      entry.delta = static_cast<bool>(fields >> depth);
      entries[oid] = entry;
    }
  }
  return entries;
}

std::set<std::string> keys(const std::map<std::string, VerifiedEntry>& entries) {
  std::set<std::string> out;
  for (const auto& [oid, entry] : entries) {
    out.insert(oid);
  }
  return out;
}

class ReusingWriter : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    detail::ensure_libgit2();
  }
  void TearDown() override {
    repo_.reset();
    GitFixture::TearDown();
  }

  // src: `commits` commits that each edit a few lines of two long files, so that git's
  // repack stores most old versions as deltas.
  void make_history(int commits, int first = 1) {
    if (first == 1) {
      sh("git init -q -b main src");
    }
    for (int i = first; i < first + commits; ++i) {
      sh(fmt::format(
          "cd src && mkdir -p d && for n in $(seq 1 120); do echo \"line $n of a long file "
          "that changes in some places: $(( (n % 17 == {0} % 17) * {0} ))\"; done > a.txt && "
          "seq 1 400 | sed 's/^1{1}$/changed {0}/' > d/b.txt && echo {0} > d/c{2}.txt && "
          "git add -A && git commit -qm c{0}",
          i, i % 9, i % 4));
    }
  }

  void open_repo() {
    git_repository* raw = nullptr;
    ASSERT_EQ(git_repository_open(&raw, (dir_ / "src").c_str()), 0);
    repo_.reset(raw);
  }

  // The objects `git rev-list --objects <args>` lists, with their paths.
  ObjectSet select(const std::string& args) {
    ObjectSet set;
    std::istringstream lines(sh("git -C src rev-list --objects " + args));
    std::string line;
    while (std::getline(lines, line)) {
      PackObject object;
      EXPECT_EQ(git_oid_fromstrn(&object.id, line.data(), 40), 0) << line;
      object.path = line.size() > 41 ? line.substr(41) : "";
      set.objects.push_back(object);
    }
    return set;
  }

  // Writes the pack with the reusing writer into out.pack; the error if any.
  std::optional<std::string> write(const ObjectSet& set, RecordingSink& sink,
                                   const PackOptions& options = {}) {
    if (!repo_) {
      open_repo();
    }
    auto writer = make_reusing_pack_writer();
    auto error = writer->write(repo_.get(), set, options, sink);
    std::ofstream(dir_ / "out.pack", std::ios::binary) << sink.data_;
    return error;
  }

  // index-pack in an empty repository (so nothing outside the pack can help), then
  // verify-pack; the entries by oid.
  std::map<std::string, VerifiedEntry> verify(bool strict) {
    sh("rm -rf check.git out.idx && git init -q --bare check.git");
    sh(fmt::format("cd check.git && git index-pack {} -o ../out.idx ../out.pack",
                   strict ? "--strict" : ""));
    return parse_verify_pack(sh("git verify-pack -v out.idx"));
  }

  // Writes set and checks the pack holds exactly its objects (index-pack --strict: the
  // set must be closed); the entries by oid, and the writer's progress text in progress.
  std::map<std::string, VerifiedEntry> write_whole(const ObjectSet& set, std::string& progress) {
    RecordingSink sink;
    EXPECT_EQ(write(set, sink), std::nullopt);
    auto written = verify(true);
    EXPECT_EQ(keys(written), oids(set));
    progress = sink.progress_;
    return written;
  }

  // A push kept as a pack (transfer.unpackLimit=1): three commits changing d/b.txt.
  void push_three_commits_as_pack() {
    sh("cd src && git repack -adfq && git config transfer.unpackLimit 1 && "
       "git config receive.denyCurrentBranch ignore");
    sh("git clone -q src work && cd work && for i in 1 2 3; do sed -i \"s/^$i$/pushed $i/\" "
       "d/b.txt && git commit -qam p$i; done && git push -q origin main");
  }

  static std::set<std::string> oids(const ObjectSet& set) {
    std::set<std::string> out;
    for (const PackObject& object : set.objects) {
      out.insert(detail::to_hex(object.id));
    }
    return out;
  }

  static size_t deltas(const std::map<std::string, VerifiedEntry>& entries) {
    size_t n = 0;
    for (const auto& [oid, entry] : entries) {
      n += entry.delta ? 1 : 0;
    }
    return n;
  }

  // The entries of the repository's only pack, as verify-pack reports them.
  std::map<std::string, VerifiedEntry> stored_pack() {
    const std::string idx = sh("ls src/.git/objects/pack/*.idx");
    EXPECT_EQ(std::count(idx.begin(), idx.end(), '\n'), 1) << idx;
    sh("cp " + idx.substr(0, idx.size() - 1) + " stored.idx && cp " +
       idx.substr(0, idx.size() - 5) + ".pack stored.pack");
    return parse_verify_pack(sh("git verify-pack -v stored.idx"));
  }

  detail::RepositoryPtr repo_;
};

TEST_F(ReusingWriter, FullSetOfOnePackKeepsEveryStoredDelta) {
  make_history(40);
  sh("cd src && git repack -adfq");
  const auto stored = stored_pack();
  ASSERT_GT(deltas(stored), 20U);  // the history must give deltas to reuse
  const ObjectSet set = select("--all");
  std::string progress;
  const auto written = write_whole(set, progress);
  EXPECT_EQ(keys(written), keys(stored));
  EXPECT_EQ(deltas(written), deltas(stored));
  EXPECT_NE(progress.find(fmt::format("reused {} (delta {}, thin 0), fresh 0", set.objects.size(),
                                      deltas(stored))),
            std::string::npos)
      << progress;
}

TEST_F(ReusingWriter, PackedAndLooseObjects) {
  make_history(20);
  sh("cd src && git repack -adfq");
  make_history(5, 21);  // loose objects on top of the pack
  const ObjectSet set = select("--all");
  std::string progress;
  const auto written = write_whole(set, progress);
  EXPECT_GT(deltas(written), 0U);
  EXPECT_EQ(progress.find("fresh 0"), std::string::npos) << progress;
}

TEST_F(ReusingWriter, TwoPacks) {
  make_history(20);
  sh("cd src && git repack -adfq");
  make_history(10, 21);
  sh("cd src && git repack -dq");  // a second pack of the newer objects
  ASSERT_EQ(sh("ls src/.git/objects/pack/*.pack | wc -l"), "2\n");
  const ObjectSet set = select("--all");
  std::string progress;
  const auto written = write_whole(set, progress);
  EXPECT_GT(deltas(written), 0U);
}

// Packs that store REF_DELTA entries (repack.useDeltaBaseOffset=false): still reused, as
// OFS_DELTA entries in our output.
TEST_F(ReusingWriter, StoredRefDeltasAreReused) {
  make_history(30);
  sh("cd src && git -c repack.useDeltaBaseOffset=false repack -adfq");
  const auto stored = stored_pack();
  ASSERT_GT(deltas(stored), 10U);
  const ObjectSet set = select("--all");
  std::string progress;
  const auto written = write_whole(set, progress);
  EXPECT_EQ(deltas(written), deltas(stored));
  EXPECT_NE(progress.find("fresh 0\n"), std::string::npos) << progress;
}

// A push kept as a pack (transfer.unpackLimit=1) is a thin pack completed by index-pack:
// REF_DELTA entries plus copies of their bases, which the main pack holds as well. The
// bases go out once, from the bigger pack, and the pushed deltas still refer to them.
TEST_F(ReusingWriter, PushedPackWithDuplicatedBases) {
  make_history(20);
  push_three_commits_as_pack();
  ASSERT_EQ(sh("ls src/.git/objects/pack/*.pack | wc -l"), "2\n");
  const ObjectSet set = select("--all");
  std::string progress;
  const auto written = write_whole(set, progress);
  EXPECT_GT(deltas(written), 0U);
  EXPECT_NE(progress.find(fmt::format("Total {} ", set.objects.size())), std::string::npos)
      << progress;
  EXPECT_NE(progress.find("fresh 0\n"), std::string::npos) << progress;
}

// A fetch of pushed commits by a client that has the commit before them: the pushed
// objects are stored as deltas against older versions, which the client has, so a thin
// pack sends them as deltas naming those bases. index-pack alone cannot resolve such a
// pack; with the client's objects and --fix-thin it can. Without client_has the same set
// goes out complete, the deltas' objects compressed afresh.
TEST_F(ReusingWriter, ThinPackLeansOnWhatTheClientHas) {
  make_history(20);
  push_three_commits_as_pack();
  ObjectSet set = select("main --not main~3");
  const ObjectSet client = select("main~3");
  const std::set<std::string> has = oids(client);
  set.client_has = [&](const git_oid& id) { return has.count(detail::to_hex(id)) > 0; };

  RecordingSink thin;
  ASSERT_EQ(write(set, thin), std::nullopt);
  EXPECT_EQ(thin.progress_.find("thin 0)"), std::string::npos) << thin.progress_;
  const testing::CommandResult alone = testing::run(
      fmt::format("cd {} && rm -rf check.git && git init -q --bare check.git && cd check.git && "
                  "git index-pack -o ../out.idx ../out.pack",
                  testing::quote(dir_)));
  EXPECT_NE(alone.status, 0) << "a thin pack resolved without its bases";
  EXPECT_NE(alone.output.find("unresolved delta"), std::string::npos) << alone.output;
  sh("git -C src branch -f old main~3 && rm -rf client.git && git init -q --bare client.git && "
     "git -C client.git fetch -q ../src old:refs/heads/old");
  sh("cd client.git && git index-pack --stdin --fix-thin --strict < ../out.pack && "
     "git update-ref refs/heads/main $(git -C ../src rev-parse main) && git fsck --full");

  set.client_has = nullptr;
  RecordingSink complete;
  ASSERT_EQ(write(set, complete), std::nullopt);
  EXPECT_NE(complete.progress_.find("thin 0)"), std::string::npos) << complete.progress_;
  EXPECT_EQ(keys(verify(false)), oids(set));  // not --strict: the parents are not in it
  EXPECT_LT(thin.data_.size(), complete.data_.size());
}

// An old commit's objects: their stored deltas are against newer versions, which are
// not sent, so those objects must go whole and the pack still resolves alone.
TEST_F(ReusingWriter, SubsetWithoutDeltaBasesIsSelfContained) {
  make_history(40);
  sh("cd src && git repack -adfq");
  const auto stored = stored_pack();
  const ObjectSet set = select("HEAD~30");
  size_t stored_deltas_in_set = 0;
  for (const std::string& oid : oids(set)) {
    stored_deltas_in_set += stored.at(oid).delta ? 1 : 0;
  }
  ASSERT_GT(stored_deltas_in_set, 0U);
  std::string progress;
  const auto written = write_whole(set, progress);
  EXPECT_EQ(progress.find("fresh 0"), std::string::npos) << progress;
}

// A subset that is not closed under reachability (one commit's new blobs and trees only).
TEST_F(ReusingWriter, ArbitrarySubset) {
  make_history(30);
  sh("cd src && git repack -adfq");
  const ObjectSet set = select("HEAD~3..HEAD~1");
  RecordingSink sink;
  ASSERT_EQ(write(set, sink), std::nullopt);
  EXPECT_EQ(keys(verify(false)), oids(set));
}

TEST_F(ReusingWriter, RefDeltasWithoutOfsDelta) {
  make_history(30);
  sh("cd src && git repack -adfq");
  const ObjectSet set = select("--all");
  PackOptions options;
  options.ofs_delta = false;
  RecordingSink sink;
  ASSERT_EQ(write(set, sink, options), std::nullopt);
  const auto written = verify(true);
  EXPECT_EQ(keys(written), oids(set));
  ASSERT_GT(deltas(written), 0U);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(sink.data_.data()),
                                       sink.data_.size());
  for (const auto& [oid, entry] : written) {
    auto header = pack::parse_entry_header(bytes.subspan(entry.offset), entry.offset);
    ASSERT_TRUE(std::holds_alternative<pack::EntryHeader>(header)) << oid;
    EXPECT_NE(std::get<pack::EntryHeader>(header).type, pack::EntryType::kOfsDelta) << oid;
    EXPECT_EQ(std::get<pack::EntryHeader>(header).type == pack::EntryType::kRefDelta, entry.delta)
        << oid;
  }
}

// A CRC in the index that does not match the stored entry: that entry is not copied; the
// object goes afresh and the pack stays valid.
TEST_F(ReusingWriter, EntryFailingItsCrcIsNotReused) {
  make_history(10);
  sh("cd src && git repack -adfq");
  const std::string idx = sh("ls src/.git/objects/pack/*.idx");
  const std::string idx_path = (dir_ / idx.substr(0, idx.size() - 1)).string();
  sh("chmod u+w " + idx_path);
  {
    // The first object's CRC sits after the 8-byte header, the fanout and the oids.
    std::fstream file(idx_path, std::ios::in | std::ios::out | std::ios::binary);
    std::string head(8 + 1024, '\0');
    file.read(head.data(), static_cast<std::streamsize>(head.size()));
    // fanout[255], the object count, is the last fanout entry: bytes 1028..1031.
    const auto* fanout = reinterpret_cast<const uint8_t*>(head.data() + 8 + 1020);
    const uint32_t count = (uint32_t{fanout[0]} << 24) | (uint32_t{fanout[1]} << 16) |
                           (uint32_t{fanout[2]} << 8) | fanout[3];
    file.seekp(static_cast<std::streamoff>(8 + 1024 + count * 20));
    file.write("\xde\xad\xbe\xef", 4);
  }
  const ObjectSet set = select("--all");
  RecordingSink sink;
  ASSERT_EQ(write(set, sink), std::nullopt);
  EXPECT_EQ(keys(verify(true)), oids(set));
  EXPECT_NE(sink.progress_.find("fresh 1\n"), std::string::npos) << sink.progress_;
}

TEST_F(ReusingWriter, StreamsInBoundedChunks) {
  make_history(10);
  sh("cd src && head -c 300000 /dev/urandom > big && git add big && git commit -qm big && "
     "git repack -adfq");
  RecordingSink sink;
  ASSERT_EQ(write(select("--all"), sink), std::nullopt);
  ASSERT_GT(sink.chunks_.size(), 3U);
  for (size_t i = 0; i + 1 < sink.chunks_.size(); ++i) {
    EXPECT_LE(sink.chunks_[i], 64U * 1024) << i;
  }
  verify(true);
}

TEST_F(ReusingWriter, StopsWhenTheClientIsGone) {
  make_history(5);
  sh("cd src && head -c 300000 /dev/urandom > big && git add big && git commit -qm big && "
     "git repack -adfq");
  RecordingSink sink(1);
  const auto error = write(select("--all"), sink);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "the client went away");
  EXPECT_EQ(sink.refused_, 1U);  // no write after the first refusal
}

TEST_F(ReusingWriter, EmptySetIsAnEmptyPack) {
  make_history(1);
  RecordingSink sink;
  ASSERT_EQ(write(ObjectSet{}, sink), std::nullopt);
  EXPECT_EQ(sink.data_.size(), pack::kPackHeaderSize + pack::kPackTrailerSize);
  EXPECT_TRUE(verify(true).empty());
}

}  // namespace
}  // namespace gitgate::git
