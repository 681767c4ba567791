#include "git/receive/quarantine.h"

#include <gtest/gtest.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "git/pack/libgit2.h"

namespace gitgate::git::detail {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> names_in(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A bare repository made by libgit2 in a temporary directory.
class QuarantineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ensure_libgit2();
    std::string pattern = (fs::temp_directory_path() / "gitgate-quarantine-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    git_repository* raw = nullptr;
    ASSERT_EQ(git_repository_init(&raw, (dir_ / "repo.git").c_str(), 1), 0);
    repo_.reset(raw);
    objects_ = dir_ / "repo.git" / "objects";
  }
  void TearDown() override { fs::remove_all(dir_); }

  Quarantine make() {
    auto created = Quarantine::create(repo_.get());
    EXPECT_TRUE(std::holds_alternative<Quarantine>(created));
    return std::move(std::get<Quarantine>(created));
  }

  fs::path dir_;
  fs::path objects_;
  RepositoryPtr repo_;
};

TEST_F(QuarantineTest, CreateMakesAPrivateDirectoryWithPack) {
  const Quarantine quarantine = make();
  EXPECT_EQ(quarantine.repository_objects(), objects_);
  EXPECT_EQ(quarantine.directory().parent_path(), objects_);
  EXPECT_TRUE(quarantine.directory().filename().string().starts_with("incoming-"));
  EXPECT_EQ(quarantine.directory().filename().string().size(), 15U);  // incoming-XXXXXX
  EXPECT_TRUE(fs::is_directory(quarantine.pack_directory()));
  EXPECT_EQ(fs::status(quarantine.directory()).permissions(), fs::perms::owner_all);
  EXPECT_EQ(fs::status(quarantine.pack_directory()).permissions(), fs::perms::owner_all);
}

TEST_F(QuarantineTest, TwoQuarantinesAreDistinct) {
  const Quarantine a = make();
  const Quarantine b = make();
  EXPECT_NE(a.directory(), b.directory());
}

TEST_F(QuarantineTest, DestructorRemovesEverything) {
  fs::path directory;
  {
    const Quarantine quarantine = make();
    directory = quarantine.directory();
    write_file(quarantine.pack_directory() / "pack-1.pack", "PACK");
    write_file(quarantine.pack_directory() / "tmp_pack_x", "partial");
    fs::create_directories(quarantine.directory() / "ab");
    write_file(quarantine.directory() / "ab" / "cdef", "loose");
  }
  EXPECT_FALSE(fs::exists(directory));
  EXPECT_EQ(names_in(objects_), (std::vector<std::string>{"info", "pack"}));
  EXPECT_TRUE(names_in(objects_ / "pack").empty());
}

TEST_F(QuarantineTest, MoveLeavesOneOwner) {
  fs::path directory;
  {
    Quarantine first = make();
    directory = first.directory();
    {
      const Quarantine second(std::move(first));
      EXPECT_EQ(second.directory(), directory);
    }
    EXPECT_FALSE(fs::exists(directory));  // removed once, by the new owner
  }
  EXPECT_FALSE(fs::exists(directory));
}

// Every .pack, then every .rev, then every .idx, seen as they appear in objects/pack;
// the quarantine is gone afterwards and is not removed again by the destructor.
TEST_F(QuarantineTest, MigrateMovesPacksInOrder) {
  fs::path directory;
  {
    Quarantine quarantine = make();
    directory = quarantine.directory();
    const fs::path pack = quarantine.pack_directory();
    for (const std::string name :
         {"pack-2.idx", "pack-1.idx", "pack-1.rev", "pack-2.pack", "pack-1.pack"}) {
      write_file(pack / name, name);
    }
    const int watch = inotify_init1(IN_NONBLOCK);
    ASSERT_GE(watch, 0);
    ASSERT_GE(inotify_add_watch(watch, (objects_ / "pack").c_str(), IN_CREATE | IN_MOVED_TO), 0);
    EXPECT_EQ(quarantine.migrate(), std::nullopt);
    std::vector<std::string> order;
    alignas(inotify_event) std::array<char, 4096> buffer{};
    const ssize_t n = read(watch, buffer.data(), buffer.size());
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      order.emplace_back(event->name);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
    close(watch);
    EXPECT_EQ(order, (std::vector<std::string>{"pack-1.pack", "pack-2.pack", "pack-1.rev",
                                               "pack-1.idx", "pack-2.idx"}));
    EXPECT_FALSE(fs::exists(directory));
    EXPECT_EQ(quarantine.migrate(), "quarantine: already migrated");
  }
  EXPECT_EQ(names_in(objects_ / "pack"),
            (std::vector<std::string>{"pack-1.idx", "pack-1.pack", "pack-1.rev", "pack-2.idx",
                                      "pack-2.pack"}));
  EXPECT_EQ(read_file(objects_ / "pack" / "pack-2.idx"), "pack-2.idx");
  EXPECT_EQ(names_in(objects_), (std::vector<std::string>{"info", "pack"}));
}

// A pack already in the repository (the same objects pushed twice) is kept as it is, as
// git's finalize_object_file keeps an existing file.
TEST_F(QuarantineTest, MigrateKeepsAnExistingPack) {
  write_file(objects_ / "pack" / "pack-1.pack", "existing");
  Quarantine quarantine = make();
  write_file(quarantine.pack_directory() / "pack-1.pack", "pushed");
  write_file(quarantine.pack_directory() / "pack-1.idx", "pushed idx");
  EXPECT_EQ(quarantine.migrate(), std::nullopt);
  EXPECT_EQ(read_file(objects_ / "pack" / "pack-1.pack"), "existing");
  EXPECT_EQ(read_file(objects_ / "pack" / "pack-1.idx"), "pushed idx");
  EXPECT_FALSE(fs::exists(quarantine.directory()));
}

// A migration that fails (objects/pack is gone) says why; the destructor then leaves
// nothing of the quarantine behind.
TEST_F(QuarantineTest, FailedMigrateLeavesNothing) {
  fs::path directory;
  {
    Quarantine quarantine = make();
    directory = quarantine.directory();
    write_file(quarantine.pack_directory() / "pack-1.pack", "pushed");
    write_file(quarantine.pack_directory() / "pack-1.idx", "pushed idx");
    fs::remove_all(objects_ / "pack");
    const auto error = quarantine.migrate();
    ASSERT_TRUE(error.has_value());
    EXPECT_TRUE(error->starts_with("quarantine: cannot move pack-1.pack")) << *error;
  }
  EXPECT_FALSE(fs::exists(directory));
  EXPECT_EQ(names_in(objects_), (std::vector<std::string>{"info"}));
}

}  // namespace
}  // namespace gitgate::git::detail
