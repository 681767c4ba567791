// The EWAH decoder against an encoder written here, and .bitmap files written by git:
// every bitmapped commit's bits name exactly `git rev-list --objects <commit>`.
#include "git/pack/pack_bitmap.h"

#include <git2.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "git/pack/pack_store.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::pack {
namespace {

void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<uint8_t>(v >> shift));
  }
}

void put64(std::vector<uint8_t>& out, uint64_t v) {
  put32(out, static_cast<uint32_t>(v >> 32));
  put32(out, static_cast<uint32_t>(v));
}

uint64_t rlw(bool run_bit, uint64_t run_words, uint64_t literal_words) {
  return (run_bit ? 1U : 0U) | (run_words << 1) | (literal_words << 33);
}

// EWAH of bits (bit_count of them): runs of all-0 or all-1 words become run-length
// words, every other word is a literal after the run-length word before it.
std::vector<uint8_t> encode_ewah(const std::vector<bool>& bits) {
  std::vector<uint64_t> words((bits.size() + 63) / 64);
  for (size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) {
      words[i / 64] |= uint64_t{1} << (i % 64);
    }
  }
  std::vector<uint64_t> out;
  for (size_t i = 0; i < words.size();) {
    const bool run_bit = words[i] == ~uint64_t{0};
    size_t run = 0;
    while (i + run < words.size() && words[i + run] == (run_bit ? ~uint64_t{0} : 0)) {
      ++run;
    }
    size_t literals = 0;
    while (i + run + literals < words.size() && words[i + run + literals] != 0 &&
           words[i + run + literals] != ~uint64_t{0}) {
      ++literals;
    }
    out.push_back(rlw(run_bit, run, literals));
    out.insert(out.end(), words.begin() + static_cast<ptrdiff_t>(i + run),
               words.begin() + static_cast<ptrdiff_t>(i + run + literals));
    i += run + literals;
  }
  std::vector<uint8_t> bytes;
  put32(bytes, static_cast<uint32_t>(bits.size()));
  put32(bytes, static_cast<uint32_t>(out.size()));
  for (const uint64_t word : out) {
    put64(bytes, word);
  }
  put32(bytes, 0);  // position of the last run-length word: not used when reading
  return bytes;
}

std::vector<bool> pattern(size_t n, const std::function<bool(size_t)>& f) {
  std::vector<bool> bits(n);
  for (size_t i = 0; i < n; ++i) {
    bits[i] = f(i);
  }
  return bits;
}

TEST(EwahTest, DecodesWhatTheEncoderWrote) {
  const std::vector<std::pair<std::string, std::vector<bool>>> cases = {
      {"empty", {}},
      {"one bit", pattern(1, [](size_t) { return true; })},
      {"all zero", pattern(1000, [](size_t) { return false; })},
      {"all one", pattern(640, [](size_t) { return true; })},
      {"all one, partial word", pattern(700, [](size_t) { return true; })},
      {"alternating", pattern(300, [](size_t i) { return i % 2 == 0; })},
      {"runs then literals",
       pattern(2000, [](size_t i) { return i < 640 || (i > 1280 && i % 7 == 0); })},
      {"sparse", pattern(5000, [](size_t i) { return i % 997 == 3; })},
  };
  for (const auto& [name, bits] : cases) {
    const std::vector<uint8_t> bytes = encode_ewah(bits);
    auto parsed = parse_ewah(bytes);
    ASSERT_TRUE((std::holds_alternative<std::pair<Ewah, size_t>>(parsed))) << name;
    const auto& [ewah, length] = std::get<std::pair<Ewah, size_t>>(parsed);
    EXPECT_EQ(length, bytes.size()) << name;
    EXPECT_EQ(ewah.bit_count, bits.size()) << name;
    Bitset out(bits.size());
    xor_into(ewah, out);
    for (size_t i = 0; i < bits.size(); ++i) {
      ASSERT_EQ(out.test(i), bits[i]) << name << " bit " << i;
    }
    xor_into(ewah, out);  // twice is nothing
    EXPECT_EQ(out.count(), 0U) << name;
    // Any prefix is missing words or the trailing position: an error, never a read past.
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      auto prefix = parse_ewah(std::span(bytes.data(), cut));
      EXPECT_TRUE(std::holds_alternative<BitmapError>(prefix)) << name << " cut " << cut;
    }
  }
}

TEST(EwahTest, RejectsMalformedWords) {
  struct Case {
    std::string name;
    uint32_t bit_count;
    std::vector<uint64_t> words;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"literals past the end", 128, {rlw(false, 0, 2), 5}, "literal words run past the end"},
      {"run longer than the bits", 128, {rlw(true, 3, 0)}, "cover more than its bit count"},
      {"literals longer than the bits", 64, {rlw(false, 0, 2), 1, 2}, "cover more"},
      {"huge run", 64, {rlw(true, 0xffffffffU, 0)}, "cover more"},
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> bytes;
    put32(bytes, c.bit_count);
    put32(bytes, static_cast<uint32_t>(c.words.size()));
    for (const uint64_t word : c.words) {
      put64(bytes, word);
    }
    put32(bytes, 0);
    auto parsed = parse_ewah(bytes);
    ASSERT_TRUE(std::holds_alternative<BitmapError>(parsed)) << c.name;
    EXPECT_NE(std::get<BitmapError>(parsed).reason.find(c.reason), std::string::npos)
        << c.name << ": " << std::get<BitmapError>(parsed).reason;
  }
  std::vector<uint8_t> too_many_words;
  put32(too_many_words, 64);
  put32(too_many_words, 1000);
  EXPECT_TRUE(std::holds_alternative<BitmapError>(parse_ewah(too_many_words)));
}

class PackBitmapTest : public testing::GitFixture {
 protected:
  // A repository with history on two branches, repacked into one pack with a bitmap.
  void make_bitmapped_repository() {
    make_sample_repository();
    sh("cd src && for i in $(seq 1 30); do echo $i >> d/e/g1 && git commit -qam more$i; done");
    sh("cd src && git repack -adbq");
  }
  std::filesystem::path pack_dir() { return dir_ / "src/.git/objects/pack"; }
  std::set<std::string> lines(const std::string& command) {
    std::istringstream in(sh(command));
    std::set<std::string> out;
    for (std::string line; std::getline(in, line);) {
      out.insert(line.substr(0, 40));
    }
    return out;
  }
};

std::string hex(std::span<const uint8_t, kOidSize> oid) {
  git_oid id{};
  std::copy(oid.begin(), oid.end(), id.id);
  char text[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(text, sizeof text, &id);
  return text;
}

TEST_F(PackBitmapTest, EveryEntryNamesWhatRevListReaches) {
  make_bitmapped_repository();
  const PackStore store = PackStore::open(pack_dir());
  ASSERT_EQ(store.packs().size(), 1U);
  const Pack& pack = store.packs()[0];
  ASSERT_NE(pack.bitmap(), nullptr) << pack.bitmap_error();
  const PackBitmap& bitmap = *pack.bitmap();
  ASSERT_GT(bitmap.entry_count(), 0U);
  size_t checked = 0;
  for (const std::string& commit : lines("cd src && git rev-list --all")) {
    git_oid id{};
    ASSERT_EQ(git_oid_fromstr(&id, commit.c_str()), 0);
    const auto position = pack.index().find(std::span<const uint8_t, kOidSize>(id.id, kOidSize));
    ASSERT_TRUE(position.has_value()) << commit;
    const auto entry = bitmap.entry_for(*position);
    if (!entry) {
      continue;
    }
    Bitset reached(bitmap.object_count());
    Bitset scratch(bitmap.object_count());
    bitmap.reachable_into(*entry, reached, scratch);
    std::set<std::string> from_bitmap;
    reached.for_each([&](size_t bit) {
      from_bitmap.insert(hex(pack.index().oid(pack.position_of_rank(static_cast<uint32_t>(bit)))));
    });
    EXPECT_EQ(from_bitmap, lines("cd src && git rev-list --objects " + commit)) << commit;
    ++checked;
  }
  EXPECT_EQ(checked, bitmap.entry_count());
  // The type bitmaps partition the pack.
  Bitset all(bitmap.object_count());
  size_t typed = 0;
  for (const BitmapType type :
       {BitmapType::kCommit, BitmapType::kTree, BitmapType::kBlob, BitmapType::kTag}) {
    Bitset bits(bitmap.object_count());
    xor_into(bitmap.type(type), bits);
    typed += bits.count();
    all.or_with(bits);
  }
  EXPECT_EQ(typed, bitmap.object_count());
  EXPECT_EQ(all.count(), bitmap.object_count());
}

TEST_F(PackBitmapTest, DamagedBitmapsAreRejected) {
  make_bitmapped_repository();
  const std::string path = sh("ls src/.git/objects/pack/*.bitmap");
  std::ifstream file(dir_ / path.substr(0, path.size() - 1), std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                   std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 32U);
  const PackStore store = PackStore::open(pack_dir());
  const uint32_t objects = store.packs().at(0).index().size();
  ASSERT_TRUE(std::holds_alternative<PackBitmap>(parse_pack_bitmap(bytes, objects)));
  // The first entry's header follows the four type bitmaps.
  size_t first_entry = 32;
  for (int i = 0; i < 4; ++i) {
    first_entry +=
        std::get<std::pair<Ewah, size_t>>(parse_ewah(std::span(bytes).subspan(first_entry))).second;
  }
  struct Case {
    std::string name;
    size_t at;
    std::vector<uint8_t> patch;
    uint32_t objects;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"bad magic", 0, {'B', 'I', 'T', 'X'}, objects, "bad magic"},
      {"version 2", 4, {0, 2}, objects, "version 2"},
      {"no full DAG", 6, {0, 4}, objects, "options"},
      {"unknown option", 6, {0x80, 5}, objects, "options"},
      {"entry names no object", first_entry, {0xff, 0xff, 0xff, 0xff}, objects, "names object"},
      {"first entry XORed", first_entry + 4, {1}, objects, "XOR offset"},
      {"more entries than fit", 8, {0, 0x10, 0, 0}, objects, "truncated"},
      {"bitmaps longer than the pack", 0, {}, 3, "longer than the pack"},
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> damaged = bytes;
    std::copy(c.patch.begin(), c.patch.end(), damaged.begin() + static_cast<ptrdiff_t>(c.at));
    auto parsed = parse_pack_bitmap(damaged, c.objects);
    ASSERT_TRUE(std::holds_alternative<BitmapError>(parsed)) << c.name;
    EXPECT_NE(std::get<BitmapError>(parsed).reason.find(c.reason), std::string::npos)
        << c.name << ": " << std::get<BitmapError>(parsed).reason;
  }
  // git writes the entries exactly up to the name-hash cache: every prefix cuts one short.
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_TRUE(std::holds_alternative<BitmapError>(
        parse_pack_bitmap(std::span(bytes.data(), cut), objects)))
        << "cut " << cut;
  }
}

TEST_F(PackBitmapTest, StoreUsesOnlyTheBitmapOfItsPack) {
  make_bitmapped_repository();
  // A bitmap of an older pack, left next to a new pack it does not describe.
  sh("cd src/.git/objects/pack && cp pack-*.bitmap ../../../../old-bitmap && cd ../../.. && "
     "echo new > new && git add new && git commit -qm new && git repack -adq && "
     "mv ../old-bitmap $(ls .git/objects/pack/*.idx | sed 's/idx$/bitmap/')");
  const PackStore store = PackStore::open(pack_dir());
  ASSERT_EQ(store.packs().size(), 1U);
  EXPECT_EQ(store.bitmapped(), nullptr);
  EXPECT_NE(store.packs()[0].bitmap_error().find("another pack"), std::string::npos)
      << store.packs()[0].bitmap_error();
}

TEST_F(PackBitmapTest, SharedStoreIsReopenedAfterARepack) {
  make_bitmapped_repository();
  const auto first = PackStore::shared(pack_dir());
  EXPECT_EQ(PackStore::shared(pack_dir()), first);
  ASSERT_NE(first->bitmapped(), nullptr);
  sh("cd src && echo new > new && git add new && git commit -qm new && git repack -adq");
  const auto second = PackStore::shared(pack_dir());
  EXPECT_NE(second, first);
  EXPECT_EQ(second->bitmapped(), nullptr);  // repacked without -b
  EXPECT_EQ(second->packs().at(0).index().size(), first->packs().at(0).index().size() + 3);
}

}  // namespace
}  // namespace gitgate::git::pack
