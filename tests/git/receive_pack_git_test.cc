// receive-pack against the real git client (git push --receive-pack=receive_pack_stdio),
// without SSH: what a user sees, and the repository as git checks it afterwards.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/git/git_fixture.h"

namespace gitgate::git {
namespace {

using testing::run;

class ReceivePackWithGit : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    make_sample_repository();
    sh("git clone -q --bare src r");
    sh("git clone -q r work");
    packs_before_ = pack_count();
  }

  // git push with our receive-pack; extra environment before it.
  std::string push(const std::string& args, const std::string& env = "", int version = 0) {
    return fmt::format(
        "cd work && RECEIVE_PACK_STDIO_LOG={} {} git -c protocol.version={} push "
        "--receive-pack={} {}",
        testing::quote(dir_ / "log"), env, version, RECEIVE_PACK_STDIO, args);
  }
  testing::CommandResult try_push(const std::string& args, const std::string& env = "",
                                  int version = 0) {
    return run("cd " + testing::quote(dir_) + " && " + push(args, env, version));
  }
  std::string log() { return sh("cat log && rm log"); }
  std::string rev(const std::string& repo, const std::string& what) {
    return sh("git -C " + repo + " rev-parse " + what).substr(0, 40);
  }
  size_t pack_count() {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "r/objects/pack")) {
      n += e.path().extension() == ".pack" ? 1 : 0;
    }
    return n;
  }
  void expect_nothing_left() {
    EXPECT_EQ(pack_count(), packs_before_);
    expect_no_leftovers();
  }
  // No quarantine and no lock file, whatever the pushes did.
  void expect_no_leftovers() {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "r")) {
      EXPECT_FALSE(e.path().filename().string().starts_with("incoming-")) << e.path();
      EXPECT_NE(e.path().extension(), ".lock") << e.path();
    }
  }
  void hook(const std::string& name, const std::string& body) {
    sh("printf '%s\\n' '#!/bin/sh' " + body + " > r/hooks/" + name + " && chmod +x r/hooks/" +
       name);
  }
  void commit(const std::string& name) {
    sh("cd work && echo " + name + " > " + name + " && git add " + name + " && git commit -qm " +
       name);
  }

  size_t packs_before_ = 0;
};

TEST_F(ReceivePackWithGit, NewBranchAllVersions) {
  for (int version : {0, 1, 2}) {
    commit(fmt::format("f{}", version));
    const std::string branch = fmt::format("b{}", version);
    sh(push("origin HEAD:refs/heads/" + branch, "", version));
    EXPECT_EQ(rev("r", branch), rev("work", "HEAD"));
    // A client asking for v2 is answered in v0, as git does.
    EXPECT_EQ(log(), fmt::format("exit=0 labels=protocol:{},push, error=\n", version == 1 ? 1 : 0));
  }
  sh("git -C r fsck --strict");
}

TEST_F(ReceivePackWithGit, WholeHistoryIntoEmptyRepository) {
  sh("rm -rf r && git init -q --bare r");
  sh("git -C work fetch -q --update-head-ok ../src '+refs/heads/*:refs/heads/*' "
     "'+refs/tags/*:refs/tags/*'");
  sh(push("--all origin"));
  sh(push("--tags origin"));
  sh("git -C r fsck --strict");
  EXPECT_EQ(sh("git -C r for-each-ref"), sh("git -C src for-each-ref refs/heads refs/tags"));
}

TEST_F(ReceivePackWithGit, ForcePushAndDenyNonFastForwards) {
  sh("cd work && git reset -q --hard HEAD~1");
  commit("diverged");
  auto refused = try_push("origin main");
  EXPECT_NE(refused.status, 0) << "git's own check first (fetch first)";
  sh(push("-f origin main"));
  EXPECT_EQ(rev("r", "main"), rev("work", "main"));
  sh("git -C r config receive.denyNonFastForwards true");
  sh("cd work && git reset -q --hard HEAD~1");
  commit("again");
  refused = try_push("-f origin main");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("[remote rejected] main -> main (non-fast-forward)"),
            std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("remote: error: denying non-fast-forward refs/heads/main"),
            std::string::npos)
      << refused.output;
  EXPECT_NE(log().find("rejected"), std::string::npos);
}

TEST_F(ReceivePackWithGit, DeletesAndDenyDeletes) {
  sh(push("origin :side"));
  EXPECT_NE(run("git -C " + testing::quote(dir_ / "r") + " rev-parse -q --verify side").status, 0);
  // The current branch of a bare repository (HEAD's target) may not be deleted.
  auto current = try_push("origin :main");
  EXPECT_NE(current.output.find("(deletion of the current branch prohibited)"), std::string::npos)
      << current.output;
  sh("git -C r config receive.denyDeletes true");
  auto refused = try_push("origin :refs/tags/light :refs/heads/nothing-here");
  EXPECT_NE(refused.status, 0);
  sh("git -C r update-ref refs/heads/other main");
  refused = try_push("origin :other");
  EXPECT_NE(refused.output.find("[remote rejected] other (deletion prohibited)"), std::string::npos)
      << refused.output;
}

TEST_F(ReceivePackWithGit, AtomicWithOneRefusedRefLandsNothing) {
  sh("git -C r config receive.denyNonFastForwards true");
  commit("a1");
  sh("cd work && git branch -f side main~3");  // side goes backwards: refused
  const std::string before = sh("git -C r for-each-ref");
  auto refused = try_push("--atomic -f origin main side");
  EXPECT_NE(refused.status, 0);
  EXPECT_EQ(sh("git -C r for-each-ref"), before);
  EXPECT_NE(refused.output.find("(atomic push failure)"), std::string::npos) << refused.output;
  expect_nothing_left();
  EXPECT_NE(log().find("labels=atomic,protocol:0,push,rejected,"), std::string::npos);
}

TEST_F(ReceivePackWithGit, TagsAnnotatedAndLightweight) {
  sh("cd work && git tag -a v9 -m nine && git tag light9 HEAD~1");
  sh(push("origin v9 light9"));
  EXPECT_EQ(rev("r", "v9"), rev("work", "v9"));
  EXPECT_EQ(rev("r", "light9"), rev("work", "light9"));
  sh("git -C r fsck --strict");
}

// pre-receive sees the push options, the pusher, the quarantined objects; post-receive
// gets the updated refs on stdin; post-update their names as arguments.
TEST_F(ReceivePackWithGit, HooksAndTheirEnvironment) {
  hook("pre-receive",
       "'cat > ../pre.in' 'env > ../pre.env' "
       "'while read old new ref; do git cat-file -e $new || exit 1; done < ../pre.in' "
       "'echo checked by pre-receive'");
  hook("update", "'echo \"$@\" > ../update.args'");
  // A failing post-receive changes nothing: the refs have moved already.
  hook("post-receive", "'cat > ../post.in' 'env > ../post.env' 'exit 3'");
  hook("post-update", "'echo \"$@\" > ../post-update.args'");
  commit("h1");
  const std::string old = rev("r", "main");
  const std::string out = sh(push("-o ci.skip -o 'reviewer=bob smith' origin main"));
  EXPECT_NE(out.find("remote: checked by pre-receive"), std::string::npos) << out;
  const std::string line = old + " " + rev("work", "main") + " refs/heads/main\n";
  EXPECT_EQ(sh("cat pre.in"), line);
  EXPECT_EQ(sh("cat post.in"), line);
  EXPECT_EQ(sh("cat update.args"), "refs/heads/main " + old + " " + rev("work", "main") + "\n");
  EXPECT_EQ(sh("cat post-update.args"), "refs/heads/main\n");
  const std::string env = sh("cat pre.env");
  for (const std::string& expected :
       {std::string("GIT_PUSH_OPTION_COUNT=2\n"), std::string("GIT_PUSH_OPTION_0=ci.skip\n"),
        std::string("GIT_PUSH_OPTION_1=reviewer=bob smith\n"),
        std::string("GITGATE_USER_NAME=alice\n"), std::string("GITGATE_USER_ID=42\n"),
        std::string("GITGATE_CLIENT_ADDRESS=192.0.2.7:50000\n"),
        std::string("GITGATE_REQUEST_ID=req-1\n"), std::string("GIT_QUARANTINE_PATH="),
        std::string("GIT_ALTERNATE_OBJECT_DIRECTORIES=")}) {
    EXPECT_NE(env.find(expected), std::string::npos) << expected << "\n" << env;
  }
  // After the refs moved the objects are the repository's: no quarantine any more.
  const std::string post_env = sh("cat post.env");
  EXPECT_EQ(post_env.find("GIT_QUARANTINE_PATH="), std::string::npos) << post_env;
  EXPECT_NE(post_env.find("GIT_PUSH_OPTION_COUNT=2\n"), std::string::npos) << post_env;
  EXPECT_EQ(rev("r", "main"), rev("work", "main"));
}

TEST_F(ReceivePackWithGit, DeclinedPreReceiveLeavesNothing) {
  hook("pre-receive", "'echo \"no pushes on Fridays\" >&2' 'exit 1'");
  commit("d1");
  const auto refused = try_push("origin main");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("remote: no pushes on Fridays"), std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("(pre-receive hook declined)"), std::string::npos);
  expect_nothing_left();
  // hooks = false: the same hook is not run.
  sh(push("origin main", "RECEIVE_PACK_STDIO_HOOKS=0"));
  EXPECT_EQ(rev("r", "main"), rev("work", "main"));
}

TEST_F(ReceivePackWithGit, UpdateHookDeclinesOneRef) {
  hook("update", "'test \"$1\" != refs/heads/locked'");
  commit("u1");
  sh("git -C r update-ref refs/heads/locked main");
  const auto out = try_push("origin main main:locked");
  EXPECT_NE(out.output.find("[remote rejected] main -> locked (hook declined)"), std::string::npos)
      << out.output;
  EXPECT_EQ(rev("r", "main"), rev("work", "main"));
}

TEST_F(ReceivePackWithGit, HookTimeoutRefusesAndKeepalivesFlow) {
  hook("pre-receive", "'sleep 2'");
  commit("t1");
  // A silent hook with keepalives every 100 ms: the client takes them and the push lands.
  sh(push("origin main", "RECEIVE_PACK_STDIO_KEEPALIVE_MS=100"));
  EXPECT_EQ(rev("r", "main"), rev("work", "main"));
  hook("pre-receive", "'sleep 30'");
  commit("t2");
  const auto refused = try_push("origin main", "RECEIVE_PACK_STDIO_HOOK_TIMEOUT_S=1");
  EXPECT_NE(refused.output.find("(pre-receive hook declined)"), std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("timed out"), std::string::npos) << refused.output;
}

TEST_F(ReceivePackWithGit, DotGitTreeRefused) {
  const std::string blob = sh("echo x | git -C work hash-object -w --stdin").substr(0, 40);
  const std::string tree =
      sh("printf '100644 blob " + blob + "\\t.git\\n' | git -C work mktree").substr(0, 40);
  const std::string commit = sh("git -C work commit-tree -p HEAD -m dotgit " + tree).substr(0, 40);
  const auto refused = try_push("origin " + commit + ":refs/heads/evil");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("hasDotgit"), std::string::npos) << refused.output;
  expect_nothing_left();
}

TEST_F(ReceivePackWithGit, PackOverLimitRefusedMidStream) {
  // 1.5 MB over a 1 MB limit: the rest is read and dropped, and the client gets the report.
  sh("cd work && head -c 1500000 /dev/urandom > big && git add big && git commit -qm big");
  auto refused = try_push("origin main", "RECEIVE_PACK_STDIO_MAX_PACK_BYTES=1000000");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("max_pack_mb"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("[remote rejected] main -> main (unpacker error)"),
            std::string::npos)
      << refused.output;
  expect_nothing_left();
  // Far over it: the server stops reading; the client is told on band 2 all the same.
  sh("cd work && head -c 4000000 /dev/urandom > big && git commit -qam bigger");
  refused = try_push("origin main", "RECEIVE_PACK_STDIO_MAX_PACK_BYTES=1000000");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("max_pack_mb"), std::string::npos) << refused.output;
  expect_nothing_left();
}

TEST_F(ReceivePackWithGit, HiddenRefs) {
  sh("git -C r update-ref refs/secret/x main && git -C r config receive.hideRefs refs/secret");
  const std::string listed = sh(fmt::format("echo 0000 | {} r", RECEIVE_PACK_STDIO));
  EXPECT_NE(listed.find("refs/heads/main"), std::string::npos) << listed;
  EXPECT_EQ(listed.find("refs/secret"), std::string::npos) << listed;
  const auto refused = try_push("origin main:refs/secret/x");
  EXPECT_NE(refused.output.find("(deny updating a hidden ref)"), std::string::npos)
      << refused.output;
}

TEST_F(ReceivePackWithGit, PushFromShallowClone) {
  sh("git clone -q --depth 1 file://" + (dir_ / "src").string() + " shallow");
  sh("cd shallow && echo s > s-new && git add s-new && git commit -qm from-shallow");
  sh("cd shallow && RECEIVE_PACK_STDIO_LOG=../log git push -q --receive-pack=" +
     std::string(RECEIVE_PACK_STDIO) + " " + testing::quote(dir_ / "r") + " HEAD:refs/heads/sh");
  EXPECT_EQ(rev("r", "sh"), rev("shallow", "HEAD"));
  sh("git -C r fsck --strict");
  // Into an empty repository the push would make it shallow: refused as git does
  // (receive.shallowUpdate is false).
  sh("git init -q --bare e");
  const auto refused = run("cd " + testing::quote(dir_ / "shallow") + " && git push " +
                           "--receive-pack=" + RECEIVE_PACK_STDIO + " ../e HEAD:refs/heads/sh");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("(shallow update not allowed)"), std::string::npos)
      << refused.output;
  EXPECT_EQ(sh("ls e/objects/pack"), "");
}

// A fork borrowing the objects of r (objects/info/alternates): the tips of r that the fork
// has no ref for are advertised as ".have", so the client sends only what neither has.
TEST_F(ReceivePackWithGit, ForkWithAlternates) {
  // r gets a branch the fork has no ref for.
  sh("cd work && git checkout -q -b extra");
  commit("x1");
  sh("cd work && git push -q origin extra");
  sh("git clone -q --bare --shared r fork && git -C fork update-ref -d refs/heads/extra");
  const std::string listed = sh(fmt::format("echo 0000 | {} fork", RECEIVE_PACK_STDIO));
  EXPECT_NE(listed.find(rev("r", "extra") + " .have"), std::string::npos) << listed;
  EXPECT_EQ(listed.find(rev("r", "main") + " .have"), std::string::npos) << "a ref of the fork";
  // The client builds on extra: told the fork has it, it sends one commit's objects only
  // (without the .have line it would send x1's too).
  commit("on-extra");
  const std::string out = sh(
      fmt::format("cd work && git push --receive-pack={} ../fork extra 2>&1", RECEIVE_PACK_STDIO));
  EXPECT_EQ(rev("fork", "extra"), rev("work", "extra"));
  sh("git -C fork fsck --strict");
  // Three new objects, and the base of a thin delta the indexer appended; x1's three
  // objects would make it seven.
  const std::string in_pack = sh("git -C fork count-objects -v | sed -n 's/^in-pack: //p'");
  EXPECT_LE(std::stoi(in_pack), 4) << out;
}

// The pack cache keys a clone by every ref: a clone after a push is a miss and gets the
// new refs, never the pack cached for the old ones.
TEST_F(ReceivePackWithGit, CloneAfterPushWithPackCache) {
  const std::string clone = fmt::format(
      "UPLOAD_PACK_STDIO_CACHE_DIR={} UPLOAD_PACK_STDIO_LOG={} git clone -q --no-local "
      "--upload-pack={} r ",
      testing::quote(dir_ / "cache"), testing::quote(dir_ / "uplog"), UPLOAD_PACK_STDIO);
  sh(clone + "c1 && " + clone + "c2");
  EXPECT_EQ(sh("cat uplog && rm uplog"),
            "exit=0 labels=cache:miss,clone,protocol:2, error=\n"
            "exit=0 labels=cache:hit,clone,protocol:2, error=\n");
  commit("cached");
  sh(push("origin main"));
  sh(clone + "c3");
  EXPECT_EQ(sh("cat uplog"), "exit=0 labels=cache:miss,clone,protocol:2, error=\n");
  EXPECT_EQ(rev("c3", "origin/main"), rev("work", "main"));
  sh("git -C c3 fsck --strict");
}

// Pushes racing for one branch: one wins each round, the others are told, the repository
// stays sound.
TEST_F(ReceivePackWithGit, RacingPushesOneWinner) {
  for (int round = 0; round < 5; ++round) {
    const std::string base = rev("r", "main");
    std::vector<std::string> clones;
    for (int i = 0; i < 3; ++i) {
      const std::string c = fmt::format("race{}_{}", round, i);
      sh(
          fmt::format("git clone -q r {0} && cd {0} && echo {0} > {0} && git add {0} && "
                      "git commit -qm {0}",
                      c));
      clones.push_back(c);
    }
    std::vector<testing::CommandResult> results(clones.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < clones.size(); ++i) {
      threads.emplace_back([&, i] {
        results[i] = run("cd " + testing::quote(dir_ / clones[i]) +
                         " && git push --receive-pack=" + RECEIVE_PACK_STDIO + " origin main");
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    int winners = 0;
    for (size_t i = 0; i < clones.size(); ++i) {
      if (results[i].status == 0) {
        ++winners;
        EXPECT_EQ(rev("r", "main"), rev(clones[i], "main"));
      }
    }
    EXPECT_EQ(winners, 1) << "round " << round;
    EXPECT_NE(rev("r", "main"), base);
    sh("git -C r fsck --strict");
    expect_no_leftovers();
  }
}

}  // namespace
}  // namespace gitgate::git
