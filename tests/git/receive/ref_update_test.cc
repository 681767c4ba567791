#include "git/receive/ref_update.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "git/pack/libgit2.h"
#include "git/pack/oid.h"
#include "git/protocol/fetch.h"
#include "tests/git/git_fixture.h"

namespace gitgate::git::detail {
namespace {

class RefUpdate : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    make_sample_repository();
    sh("git clone -q --bare src r");
    ensure_libgit2();
    repo_ = open();
  }

  RepositoryPtr open() {
    auto repo = open_repository(dir_ / "r");
    EXPECT_TRUE(std::holds_alternative<RepositoryPtr>(repo));
    return std::move(std::get<RepositoryPtr>(repo));
  }

  git_oid rev(const std::string& what) {
    git_oid id{};
    EXPECT_TRUE(parse_oid(sh("git -C r rev-parse " + what).substr(0, 40), id)) << what;
    return id;
  }
  static git_oid zero() { return git_oid{}; }

  static PushCommand cmd(const git_oid& old_id, const git_oid& new_id, std::string ref) {
    return PushCommand{RefCommand{old_id, new_id, std::move(ref)}, {}};
  }

  // "name id" for each ref, as git sees them.
  std::string refs() { return sh("git -C r for-each-ref --format='%(refname) %(objectname)'"); }

  // No lock file anywhere under refs/ or beside packed-refs.
  void expect_no_locks() {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_ / "r")) {
      EXPECT_NE(entry.path().extension(), ".lock") << entry.path();
    }
  }

  RepositoryPtr repo_;
};

TEST_F(RefUpdate, CreateUpdateDelete) {
  const git_oid main = rev("main");
  const git_oid side = rev("side");
  std::vector<PushCommand> commands = {cmd(zero(), side, "refs/heads/new"),
                                       cmd(main, side, "refs/heads/main"),
                                       cmd(rev("light"), zero(), "refs/tags/light")};
  EXPECT_TRUE(update_refs(repo_.get(), commands, false).empty());
  for (const PushCommand& c : commands) {
    EXPECT_TRUE(c.ready()) << c.command.ref << ": " << c.error;
  }
  EXPECT_EQ(to_hex(rev("refs/heads/new")), to_hex(side));
  EXPECT_EQ(to_hex(rev("refs/heads/main")), to_hex(side));
  EXPECT_NE(testing::run("git -C " + testing::quote(dir_ / "r") +
                         " rev-parse --verify -q "
                         "refs/tags/light")
                .status,
            0);
  expect_no_locks();
  sh("git -C r fsck --strict");
}

// A packed ref (git clone --bare packs them) is updated and deleted the same way.
TEST_F(RefUpdate, PackedRefs) {
  ASSERT_NE(sh("cat r/packed-refs").find("refs/heads/side"), std::string::npos);
  std::vector<PushCommand> commands = {cmd(rev("side"), zero(), "refs/heads/side"),
                                       cmd(rev("v1"), rev("main"), "refs/tags/v1")};
  update_refs(repo_.get(), commands, false);
  EXPECT_TRUE(commands[0].ready()) << commands[0].error;
  EXPECT_TRUE(commands[1].ready()) << commands[1].error;
  EXPECT_EQ(refs().find("refs/heads/side"), std::string::npos);
  EXPECT_EQ(to_hex(rev("refs/tags/v1")), to_hex(rev("main")));
  expect_no_locks();
}

TEST_F(RefUpdate, StaleOldValuesAreRefusedWithGitsReasons) {
  const std::string before = refs();
  std::vector<PushCommand> commands = {
      cmd(rev("side"), rev("main"), "refs/heads/main"),  // main is not at side
      cmd(zero(), rev("main"), "refs/heads/side"),       // exists already
      cmd(rev("main"), rev("side"), "refs/heads/gone"),  // does not exist
      cmd(rev("main"), zero(), "refs/heads/gone2"),
  };
  update_refs(repo_.get(), commands, false);
  EXPECT_EQ(commands[0].error, "incorrect old value provided");
  EXPECT_EQ(commands[1].error, "reference already exists");
  EXPECT_EQ(commands[2].error, "reference does not exist");
  EXPECT_EQ(commands[3].error, "reference does not exist");
  EXPECT_EQ(refs(), before);
  expect_no_locks();
}

// Someone else (git itself) holds the ref's lock: "failed to lock", their lock untouched.
TEST_F(RefUpdate, TakenLockFails) {
  sh("mkdir -p r/refs/heads && touch r/refs/heads/main.lock");
  std::vector<PushCommand> commands = {cmd(rev("main"), rev("side"), "refs/heads/main"),
                                       cmd(zero(), rev("side"), "refs/heads/other")};
  const auto messages = update_refs(repo_.get(), commands, false);
  EXPECT_EQ(commands[0].error, "failed to lock");
  EXPECT_TRUE(commands[1].ready()) << "non-atomic: the other ref goes ahead";
  EXPECT_FALSE(messages.empty());
  EXPECT_TRUE(std::filesystem::exists(dir_ / "r/refs/heads/main.lock"));
  std::filesystem::remove(dir_ / "r/refs/heads/main.lock");
  EXPECT_EQ(to_hex(rev("refs/heads/main")), to_hex(rev("main")));
}

// A push to a symbolic ref moves the branch it names, as git's files backend does; the
// symbolic ref stays symbolic.
TEST_F(RefUpdate, SymbolicRefUpdatesItsTarget) {
  sh("git -C r symbolic-ref refs/heads/alias refs/heads/side");
  std::vector<PushCommand> commands = {cmd(rev("side"), rev("main"), "refs/heads/alias")};
  update_refs(repo_.get(), commands, false);
  EXPECT_TRUE(commands[0].ready()) << commands[0].error;
  EXPECT_EQ(to_hex(rev("refs/heads/side")), to_hex(rev("main")));
  EXPECT_EQ(sh("git -C r symbolic-ref refs/heads/alias"), "refs/heads/side\n");
  // Its deletion is refused rather than guessed at.
  std::vector<PushCommand> del = {cmd(rev("main"), zero(), "refs/heads/alias")};
  update_refs(repo_.get(), del, false);
  EXPECT_EQ(del[0].error, "cannot update a symbolic ref");
  expect_no_locks();
}

// A lock let go within git's core.filesRefLockTimeout (100 ms) is waited for.
TEST_F(RefUpdate, ShortLivedLockIsWaitedFor) {
  sh("mkdir -p r/refs/heads && touch r/refs/heads/main.lock");
  std::thread holder([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::filesystem::remove(dir_ / "r/refs/heads/main.lock");
  });
  std::vector<PushCommand> commands = {cmd(rev("main"), rev("side"), "refs/heads/main")};
  update_refs(repo_.get(), commands, false);
  holder.join();
  EXPECT_TRUE(commands[0].ready()) << commands[0].error;
  EXPECT_EQ(to_hex(rev("refs/heads/main")), to_hex(rev("side")));
}

// Two atomic pushes of the same two refs, sent in opposite orders: locks are taken in name
// order, so one of them always gets both.
TEST_F(RefUpdate, CrossedAtomicPushesHaveOneWinner) {
  const git_oid main = rev("main");
  const git_oid side = rev("side");
  for (int round = 0; round < 10; ++round) {
    sh("git -C r update-ref refs/heads/x " + to_hex(main) +
       " && git -C r update-ref refs/heads/y " + to_hex(main));
    std::vector<PushCommand> a = {cmd(main, side, "refs/heads/x"), cmd(main, side, "refs/heads/y")};
    std::vector<PushCommand> b = {cmd(main, rev("main~1"), "refs/heads/y"),
                                  cmd(main, rev("main~1"), "refs/heads/x")};
    std::atomic<int> ready{0};
    auto push = [&](std::vector<PushCommand>* commands) {
      RepositoryPtr repo = open();
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
      update_refs(repo.get(), *commands, true);
    };
    std::thread ta(push, &a);
    std::thread tb(push, &b);
    ta.join();
    tb.join();
    const bool a_won = a[0].ready() && a[1].ready();
    const bool b_won = b[0].ready() && b[1].ready();
    EXPECT_NE(a_won, b_won) << "round " << round << ": " << a[0].error << "/" << b[0].error;
    const std::string x = to_hex(rev("refs/heads/x"));
    EXPECT_EQ(x, to_hex(rev("refs/heads/y"))) << "all or nothing";
    expect_no_locks();
  }
}

TEST_F(RefUpdate, AtomicIsAllOrNothing) {
  const std::string before = refs();
  std::vector<PushCommand> commands = {cmd(zero(), rev("side"), "refs/heads/a"),
                                       cmd(rev("side"), rev("main"), "refs/heads/main"),
                                       cmd(rev("light"), zero(), "refs/tags/light")};
  update_refs(repo_.get(), commands, true);
  EXPECT_EQ(commands[0].error, "atomic transaction failed");
  EXPECT_EQ(commands[1].error, "incorrect old value provided");
  EXPECT_EQ(commands[2].error, "atomic transaction failed");
  EXPECT_EQ(refs(), before);
  expect_no_locks();
}

TEST_F(RefUpdate, AtomicSucceedsTogether) {
  std::vector<PushCommand> commands = {cmd(zero(), rev("side"), "refs/heads/a"),
                                       cmd(rev("main"), rev("side"), "refs/heads/main"),
                                       cmd(rev("light"), zero(), "refs/tags/light")};
  update_refs(repo_.get(), commands, true);
  for (const PushCommand& c : commands) {
    EXPECT_TRUE(c.ready()) << c.command.ref << ": " << c.error;
  }
  EXPECT_EQ(to_hex(rev("refs/heads/a")), to_hex(rev("side")));
  expect_no_locks();
}

TEST_F(RefUpdate, AlreadyRefusedCommandsAreLeftAlone) {
  std::vector<PushCommand> commands = {cmd(rev("main"), rev("side"), "refs/heads/main")};
  commands[0].refuse("hook declined");
  update_refs(repo_.get(), commands, false);
  EXPECT_EQ(commands[0].error, "hook declined");
  EXPECT_EQ(to_hex(rev("refs/heads/main")), to_hex(rev("main")));
}

// Pushes racing for one branch from the same old value: exactly one wins, each loser is
// told why, and the repository stays sound. Each push has its own repository handle, as
// requests do.
TEST_F(RefUpdate, RacingUpdatesHaveOneWinner) {
  const git_oid main = rev("main");
  const std::vector<git_oid> targets = {rev("side"), rev("main~1"), rev("main~2"), rev("light")};
  for (int round = 0; round < 5; ++round) {
    sh("git -C r update-ref refs/heads/race " + to_hex(main));
    std::vector<std::vector<PushCommand>> pushes;
    pushes.reserve(targets.size());
    for (const git_oid& target : targets) {
      pushes.push_back({cmd(main, target, "refs/heads/race")});
    }
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    threads.reserve(pushes.size());
    for (auto& push : pushes) {
      threads.emplace_back([&, p = &push] {
        RepositoryPtr repo = open();
        ready.fetch_add(1);
        while (ready.load() < static_cast<int>(pushes.size())) {
        }
        update_refs(repo.get(), *p, round % 2 == 1);
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    int winners = 0;
    git_oid winner{};
    for (auto& push : pushes) {
      if (push[0].ready()) {
        ++winners;
        winner = push[0].command.new_id;
      } else {
        EXPECT_TRUE(push[0].error == "failed to lock" ||
                    push[0].error == "incorrect old value provided")
            << push[0].error;
      }
    }
    EXPECT_EQ(winners, 1) << "round " << round;
    EXPECT_EQ(to_hex(rev("refs/heads/race")), to_hex(winner));
    expect_no_locks();
  }
  sh("git -C r fsck --strict");
}

}  // namespace
}  // namespace gitgate::git::detail
