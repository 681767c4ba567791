#include "git/receive/connectivity.h"

#include <git2/sys/odb_backend.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "git/pack/libgit2.h"
#include "git/protocol/fetch.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

class Connectivity : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    make_sample_repository();
    sh("git clone -q --bare src r");
    // Two new commits on main in src: a new file in a new directory, then a change.
    sh("cd src && mkdir -p n/m && echo new > n/m/f && git add -A && git commit -qm n1 && "
       "echo more >> n/m/f && git commit -qam n2");
    ensure_libgit2();
  }

  // A pack in dir/ of the objects the command lists (one id per line on its stdin), opened
  // as an object database of its own, as the pushed pack is.
  OdbPtr pack(const std::string& repo, const std::string& list_objects) {
    sh("rm -rf q && mkdir q && " + list_objects + " | git -C " + repo + " pack-objects -q " +
       testing::quote(dir_ / "q/pack") + " >/dev/null");
    std::filesystem::path idx;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "q")) {
      if (entry.path().extension() == ".idx") {
        idx = entry.path();
      }
    }
    git_odb* raw = nullptr;
    EXPECT_EQ(git_odb_new(&raw), 0);
    OdbPtr odb(raw);
    git_odb_backend* backend = nullptr;
    EXPECT_EQ(git_odb_backend_one_pack(&backend, idx.c_str()), 0);
    EXPECT_EQ(git_odb_add_backend(odb.get(), backend, 1), 0);
    return odb;
  }

  OdbPtr repository_odb(const std::string& name) {
    auto repo = open_repository(dir_ / name);
    repo_ = std::move(std::get<RepositoryPtr>(repo));
    git_odb* raw = nullptr;
    EXPECT_EQ(git_repository_odb(&raw, repo_.get()), 0);
    return OdbPtr(raw);
  }

  git_oid rev(const std::string& repo, const std::string& what) {
    git_oid id{};
    EXPECT_TRUE(parse_oid(sh("git -C " + repo + " rev-parse " + what).substr(0, 40), id));
    return id;
  }

  RepositoryPtr repo_;
};

TEST_F(Connectivity, CompletePackIsConnected) {
  const OdbPtr pushed = pack("src", "git -C src rev-list --objects main~2..main");
  const OdbPtr repo = repository_odb("r");
  ConnectivityCheck check(repo.get(), pushed.get(), {});
  EXPECT_EQ(check.check(rev("src", "main")), std::nullopt);
  EXPECT_EQ(check.check(rev("src", "main~1")), std::nullopt);
  // A tip the repository has, with no pack at all.
  ConnectivityCheck no_pack(repo.get(), nullptr, {});
  EXPECT_EQ(no_pack.check(rev("src", "main~2")), std::nullopt);
  EXPECT_EQ(no_pack.check(rev("src", "v1")), std::nullopt);
}

// Each kind of object left out of the pack makes the tip unconnected.
TEST_F(Connectivity, AnyMissingObjectIsFound) {
  const std::vector<std::string> left_out = {"main:n/m/f",  "main:n/m", "main:n",
                                             "main^{tree}", "main~1",   "main~1:n/m/f"};
  for (const std::string& what : left_out) {
    const std::string skip = to_hex(rev("src", what));
    const OdbPtr pushed =
        pack("src", "git -C src rev-list --objects main~2..main | cut -c1-40 | grep -v " + skip);
    const OdbPtr repo = repository_odb("r");
    ConnectivityCheck check(repo.get(), pushed.get(), {});
    EXPECT_EQ(check.check(rev("src", "main")), "missing necessary objects") << what;
  }
}

TEST_F(Connectivity, UnknownTipWithoutPack) {
  const OdbPtr repo = repository_odb("r");
  ConnectivityCheck check(repo.get(), nullptr, {});
  EXPECT_EQ(check.check(rev("src", "main")), "missing necessary objects");
}

// An annotated tag pushed with its commit: the walk goes through the tag.
TEST_F(Connectivity, TagOfNewCommit) {
  sh("git -C src tag -a v2 -m two main");
  const OdbPtr pushed = pack("src", "git -C src rev-list --objects v2 --not main~2");
  const OdbPtr repo = repository_odb("r");
  ConnectivityCheck check(repo.get(), pushed.get(), {});
  EXPECT_EQ(check.check(rev("src", "v2")), std::nullopt);
  const OdbPtr tag_only = pack("src", "git -C src rev-parse v2");
  ConnectivityCheck missing(repo.get(), tag_only.get(), {});
  EXPECT_EQ(missing.check(rev("src", "v2")), "missing necessary objects");
}

// A push from a shallow clone: accepted when the repository has the shallow commit's
// parents; refused as git does (receive.shallowUpdate=false) when it would make the
// repository shallow.
TEST_F(Connectivity, ShallowClientPush) {
  sh("git clone -q --depth 1 file://" + (dir_ / "src").string() + " shallow");
  sh("cd shallow && echo s > s2 && git add s2 && git commit -qm from-shallow");
  const git_oid boundary = rev("shallow", "HEAD~1");
  const std::vector<git_oid> client_shallow = {boundary};
  {
    // The server has every commit of src: only the new commit is sent.
    const OdbPtr pushed = pack("shallow", "git -C shallow rev-list --objects HEAD --not HEAD~1");
    const OdbPtr repo = repository_odb("r");
    sh("git -C r fetch -q ../src main:refs/heads/main");
    ConnectivityCheck check(repo.get(), pushed.get(), client_shallow);
    EXPECT_EQ(check.check(rev("shallow", "HEAD")), std::nullopt);
  }
  {
    // An empty repository: the client sends all it has, whose root has no parents here.
    sh("git init -q --bare e");
    const OdbPtr pushed = pack("shallow", "git -C shallow rev-list --objects HEAD");
    const OdbPtr repo = repository_odb("e");
    ConnectivityCheck check(repo.get(), pushed.get(), client_shallow);
    EXPECT_EQ(check.check(rev("shallow", "HEAD")), "shallow update not allowed");
  }
}

}  // namespace
}  // namespace gitgate::git::detail
