// DeltaResolver over packs from pack-objects (chains, OFS and REF deltas): every object's
// id and type as git names them, whether the deltas come from the scan's cache, are all
// inflated again (budget 0) or some of each, on one thread or several, from memory or
// read from the file.
#include "git/receive/detail/resolve.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string describe(const IndexEntry& e) {
  static constexpr std::array<const char*, 5> kNames = {"?", "commit", "tree", "blob", "tag"};
  return fmt::format("{:02x} {}", fmt::join(e.oid, ""), kNames.at(e.real_type));
}

class ResolveTest : public testing::GitFixture {
 protected:
  // git's list of every object in src: "<id> <type>" lines, sorted.
  std::vector<std::string> git_objects() {
    std::istringstream lines(
        sh("cd src && git cat-file --batch-all-objects "
           "--batch-check='%(objectname) %(objecttype)'"));
    std::vector<std::string> out;
    for (std::string line; std::getline(lines, line);) {
      out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(ResolveTest, EveryObjectNamedAsGitNamesIt) {
  make_sample_repository();
  sh("cd src && seq 1 2000 > long && git add long && git commit -qm long");
  for (int c = 0; c < 30; ++c) {
    sh(fmt::format("cd src && sed -i 's/^{0}$/line {0}/' long && git commit -qam c{0}",
                   (c * 41) + 1));
  }
  const std::vector<std::string> expected = git_objects();
  for (const std::string options : {"--delta-base-offset", ""}) {
    sh("cd src && git rev-list --objects --all | git pack-objects -q --stdout --depth=40 " +
       options + " > ../x.pack");
    const Bytes pack = read_bytes(dir_ / "x.pack");
    for (const size_t budget : {DeltaCache::kBudget, size_t{0}, size_t{500}}) {
      for (const unsigned threads : {1U, 3U}) {
        auto scan = scan_pack(pack, PushSettings{}, {}, budget);
        ASSERT_TRUE(std::holds_alternative<ScannedPack>(scan)) << std::get<std::string>(scan);
        auto& scanned = std::get<ScannedPack>(scan);
        ASSERT_GT(scanned.deltas, 20U);
        const auto cached = std::count_if(scanned.entries.begin(), scanned.entries.end(),
                                          [](const IndexEntry& e) { return e.delta_data; });
        if (budget == 0) {
          EXPECT_EQ(cached, 0);
        } else if (budget == DeltaCache::kBudget) {
          EXPECT_EQ(cached, scanned.deltas);
        } else {
          EXPECT_GT(cached, 0);
          EXPECT_LT(cached, scanned.deltas);
        }
        // One thread reads the pack's bytes in memory, several read the file with pread.
        const int fd = threads == 1 ? -1 : open((dir_ / "x.pack").c_str(), O_RDONLY);
        DeltaResolver resolver(pack, scanned, PushSettings{}, {}, fd);
        ASSERT_EQ(resolver.resolve_in_pack(threads), "");
        if (fd >= 0) {
          close(fd);
        }
        EXPECT_EQ(resolver.resolved(), scanned.deltas);
        std::vector<std::string> got;
        for (const IndexEntry& e : scanned.entries) {
          got.push_back(describe(e));
        }
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got, expected) << options << " budget " << budget << " threads " << threads;
      }
    }
  }
}

}  // namespace
}  // namespace gitgate::git::detail
