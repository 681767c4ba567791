// index_files against `git index-pack`: the 8-byte offset table, which only packs past
// 2 GiB need, checked on a small pack by lowering the limit as git's
// --index-version=2,<offset> does; and what git/pack's reader makes of the result.
#include "git/receive/detail/idx_writer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "git/pack/pack_index.h"
#include "git/receive/detail/resolve.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class IdxWriterTest : public testing::GitFixture {};

TEST_F(IdxWriterTest, LargeOffsetsAsGitWritesThem) {
  make_sample_repository();
  sh("cd src && git rev-list --objects --all | git pack-objects -q --stdout --delta-base-offset "
     "> ../x.pack");
  const Bytes pack = read_bytes(dir_ / "x.pack");
  auto scan = scan_pack(pack, PushSettings{});
  ASSERT_TRUE(std::holds_alternative<ScannedPack>(scan)) << std::get<std::string>(scan);
  auto& scanned = std::get<ScannedPack>(scan);
  DeltaResolver resolver(pack, scanned, PushSettings{}, {});
  ASSERT_EQ(resolver.resolve_in_pack(1), "");
  ASSERT_EQ(resolver.resolved(), scanned.deltas);
  for (const uint64_t limit : {uint64_t{0}, uint64_t{300}, uint64_t{900}, kOff32Limit}) {
    sh(fmt::format("git index-pack --index-version=2,{} -o x.idx x.pack", limit));
    const auto files = index_files(scanned.entries, scanned.checksum, limit);
    ASSERT_TRUE(std::holds_alternative<IndexFiles>(files)) << std::get<std::string>(files);
    const Bytes& idx = std::get<IndexFiles>(files).idx;
    EXPECT_TRUE(idx == read_bytes(dir_ / "x.idx")) << "limit " << limit;
    // The reader finds every object at its offset through either table.
    auto parsed = pack::parse_pack_index(idx);
    ASSERT_TRUE(std::holds_alternative<pack::PackIndex>(parsed));
    const auto& index = std::get<pack::PackIndex>(parsed);
    ASSERT_EQ(index.size(), scanned.entries.size());
    for (const IndexEntry& e : scanned.entries) {
      const auto position = index.find(e.oid);
      ASSERT_TRUE(position.has_value());
      EXPECT_EQ(index.offset(*position), e.offset);
      EXPECT_EQ(index.crc32(*position), e.crc32);
    }
  }
}

}  // namespace
}  // namespace gitgate::git::detail
