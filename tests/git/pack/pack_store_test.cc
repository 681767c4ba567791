// Packs opened from repositories made by git: entries and offsets agree with
// `git verify-pack -v`, and packs that do not match their index are left out.
#include "git/pack/pack_store.h"

#include <git2.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "git/pack/pack_entry.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::pack {
namespace {

class PackStoreTest : public testing::GitFixture {
 protected:
  std::filesystem::path pack_dir() { return dir_ / "src/.git/objects/pack"; }

  void make_packs(int packs) {
    sh("git init -q -b main src");
    for (int p = 0; p < packs; ++p) {
      sh(
          fmt::format("cd src && for i in 1 2 3 4 5; do seq $i {} > f$i && git add -A && "
                      "git commit -qm c{}$i; done && git repack -dq",
                      100 + p * 50, p));
    }
  }
};

struct Listed {
  std::string oid;
  uint64_t in_pack = 0;  // size-in-packfile: the whole entry
  uint64_t offset = 0;
};

TEST_F(PackStoreTest, EntriesMatchVerifyPack) {
  make_packs(2);
  const PackStore store = PackStore::open(pack_dir());
  ASSERT_EQ(store.packs().size(), 2U);
  EXPECT_TRUE(store.skipped().empty());
  EXPECT_GE(store.packs()[0].index().size(), store.packs()[1].index().size());
  size_t checked = 0;
  for (const std::string& idx : {sh("ls src/.git/objects/pack/*.idx | head -1"),
                                 sh("ls src/.git/objects/pack/*.idx | tail -1")}) {
    std::istringstream lines(sh("git verify-pack -v " + idx.substr(0, idx.size() - 1)));
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      Listed listed;
      std::string type;
      uint64_t size = 0;
      if (line.size() <= 40 || line[40] != ' ' ||
          !(fields >> listed.oid >> type >> size >> listed.in_pack >> listed.offset)) {
        continue;
      }
      git_oid id{};
      ASSERT_EQ(git_oid_fromstrn(&id, listed.oid.data(), 40), 0);
      const auto location = store.find(std::span<const uint8_t, kOidSize>(id.id, kOidSize));
      ASSERT_TRUE(location.has_value()) << listed.oid;
      const Pack& pack = *location->pack;
      EXPECT_EQ(&pack, &store.packs()[location->pack_id]);
      if (pack.index().offset(location->position) != listed.offset) {
        continue;  // the object is in both packs and was found in the other one
      }
      EXPECT_EQ(pack.entry(location->position).size(), listed.in_pack) << listed.oid;
      EXPECT_EQ(pack.position_at(listed.offset), location->position);
      EXPECT_EQ(pack.position_at(listed.offset + 1), std::nullopt);
      auto header = parse_entry_header(pack.entry(location->position), listed.offset);
      EXPECT_TRUE(std::holds_alternative<EntryHeader>(header)) << listed.oid;
      ++checked;
    }
  }
  EXPECT_GT(checked, 20U);
  const uint8_t absent[kOidSize] = {0x01, 0x02};
  EXPECT_EQ(store.find(absent), std::nullopt);
}

TEST_F(PackStoreTest, PacksThatDoNotMatchTheirIndexAreSkipped) {
  make_packs(1);
  const std::string idx = sh("ls src/.git/objects/pack/*.idx");
  const std::string stem = idx.substr(0, idx.size() - 5);
  std::ifstream pack_file(dir_ / (stem + ".pack"), std::ios::binary);
  const std::string pack{std::istreambuf_iterator<char>(pack_file), {}};
  ASSERT_GT(pack.size(), 32U) << stem;
  struct Case {
    std::string name;
    std::string damage;  // shell run in the fixture directory on copies named pack-x.*
  };
  const std::vector<Case> cases = {
      {"pack missing", "rm p/pack-x.pack"},
      {"index truncated", "truncate -s 1000 p/pack-x.idx"},
      {"pack truncated", "truncate -s -1 p/pack-x.pack"},
      // The trailer's last byte flipped: a fixed byte would be the real one once in 256 packs.
      {"pack trailer differs",
       fmt::format("printf '\\{:03o}' | dd of=p/pack-x.pack bs=1 seek={} conv=notrunc status=none",
                   static_cast<uint8_t>(pack.back() ^ 0x01), pack.size() - 1)},
      {"not a pack", "printf 'PACX' | dd of=p/pack-x.pack conv=notrunc status=none"},
  };
  for (const Case& c : cases) {
    sh(
        fmt::format("rm -rf p && mkdir p && cp {0}.idx p/pack-x.idx && cp {0}.pack p/pack-x.pack "
                    "&& chmod u+w p/* && {1}",
                    stem, c.damage));
    const PackStore store = PackStore::open(dir_ / "p");
    EXPECT_TRUE(store.packs().empty()) << c.name;
    EXPECT_EQ(store.skipped().size(), 1U) << c.name;
  }
  sh(fmt::format("rm -rf p && mkdir p && cp {0}.idx p/pack-x.idx && cp {0}.pack p/pack-x.pack",
                 stem));
  EXPECT_EQ(PackStore::open(dir_ / "p").packs().size(), 1U);
  EXPECT_TRUE(PackStore::open(dir_ / "no-such-dir").packs().empty());
}

TEST_F(PackStoreTest, ReleasedPagesReadTheSameBytes) {
  make_packs(1);
  // Random bytes do not compress: a pack of many pages.
  sh("cd src && head -c 300000 /dev/urandom > big && git add big && git commit -qm big && "
     "git repack -adq");
  const PackStore store = PackStore::open(pack_dir());
  ASSERT_EQ(store.packs().size(), 1U);
  const Pack& pack = store.packs()[0];
  ASSERT_GT(pack.bytes().size(), size_t{250000});
  const std::vector<uint8_t> before(pack.bytes().begin(), pack.bytes().end());
  const size_t size = before.size();
  for (const auto& [begin, end] : std::vector<std::pair<size_t, size_t>>{
           {0, size}, {1, size - 1}, {size / 2, size}, {0, 0}, {size, size + 4096}}) {
    pack.release(begin, end);
    EXPECT_TRUE(std::equal(before.begin(), before.end(), pack.bytes().begin()))
        << begin << ".." << end;
  }
}

}  // namespace
}  // namespace gitgate::git::pack
