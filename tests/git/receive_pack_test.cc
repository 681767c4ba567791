#include "git/receive_pack.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "git/pack/pack_store.h"
#include "git/receive/maintenance.h"
#include "tests/git/git_fixture.h"
#include "tests/git/memory_stream.h"
#include "tests/testing/pktline_builder.h"

namespace gitgate::git {
namespace {

using gitgate::testing::after_first_flush;
using gitgate::testing::packet_texts;
using gitgate::testing::ParsedPacket;
using gitgate::testing::PktBuilder;
using gitgate::testing::split_packets;
using testing::run;

const std::string kZero(40, '0');
const std::string kNul(1, '\0');
constexpr std::string_view kReportCaps = "report-status side-band-64k delete-refs agent=test";

// receive-pack driven by requests written here, with packs made by git pack-objects.
class ReceivePack : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    make_sample_repository();
    sh("git clone -q --bare src r");
    packs_before_ = pack_files();
  }

  std::string rev(const std::string& repo, const std::string& what) {
    return sh("git -C " + repo + " rev-parse " + what).substr(0, 40);
  }

  // The pack of the objects `git rev-list --objects <revs>` lists in src.
  std::string pack(const std::string& revs) {
    sh("git -C src rev-list --objects " + revs +
       " | git -C src pack-objects -q --stdout > pack.bin");
    std::ifstream in(dir_ / "pack.bin", std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  ReceivePackResult serve(const std::string& input, int version = 0, size_t chunk = 1 << 20,
                          PushSettings settings = {}, bool maintenance = false) {
    stream_ = std::make_unique<testing::MemoryStream>(input, chunk);
    ReceivePackRequest request;
    request.repository = dir_ / "r";
    request.protocol_version = version;
    request.settings = settings;
    request.settings.auto_maintenance = maintenance;
    return serve_receive_pack(request, *stream_);
  }

  // What followed the advertisement, demultiplexed: band 1's pkt-lines as texts, band 2
  // and band 3 as text. Without side-band, band 1 is the output itself.
  struct Reply {
    std::vector<std::string> report;
    std::string progress;
    std::string error;
  };
  Reply reply(bool side_band) {
    const std::string& out = stream_->output();
    const size_t after = after_first_flush(out);  // the advertisement's end
    EXPECT_NE(after, std::string::npos);
    const std::string rest = out.substr(std::min(after, out.size()));
    Reply r;
    if (!side_band) {
      r.report = packet_texts(rest);
      return r;
    }
    std::string band1;
    for (const ParsedPacket& p : split_packets(rest)) {
      if (p.kind != ParsedPacket::Kind::kData || p.payload.empty()) {
        continue;
      }
      const std::string body = p.payload.substr(1);
      (p.payload[0] == 1 ? band1 : p.payload[0] == 2 ? r.progress : r.error) += body;
    }
    r.report = packet_texts(band1);
    return r;
  }

  std::vector<std::string> pack_files() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "r/objects/pack")) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // A refused push left nothing: no new pack, no quarantine, no lock file.
  void expect_nothing_left() {
    EXPECT_EQ(pack_files(), packs_before_);
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "r")) {
      EXPECT_FALSE(e.path().filename().string().starts_with("incoming-")) << e.path();
      EXPECT_NE(e.path().extension(), ".lock") << e.path();
    }
  }

  std::unique_ptr<testing::MemoryStream> stream_;
  std::vector<std::string> packs_before_;
};

TEST_F(ReceivePack, AdvertisementListsRefsWithoutHead) {
  for (const std::string& input : {std::string("0000"), std::string()}) {
    const auto result = serve(input);
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_EQ(result.labels, (std::vector<std::string>{"protocol:0", "push"}));
    auto texts = packet_texts(stream_->output());
    ASSERT_GE(texts.size(), 2U);
    EXPECT_EQ(texts.back(), "0000");
    const size_t nul = texts[0].find('\0');
    ASSERT_NE(nul, std::string::npos);
    EXPECT_EQ(texts[0].substr(nul + 1),
              "report-status report-status-v2 delete-refs side-band-64k quiet atomic ofs-delta "
              "push-options object-format=sha1 agent=gitgate/0.1");
    texts[0].resize(nul);
    std::string listed;
    for (size_t i = 0; i + 1 < texts.size(); ++i) {
      listed += texts[i].replace(40, 1, "\t") + "\n";
    }
    // git ls-remote shows HEAD and peeled tags; receive-pack shows neither.
    EXPECT_EQ(listed, sh("git ls-remote r | grep -v -e HEAD -e '\\^{}'"));
  }
}

TEST_F(ReceivePack, VersionLineAndV2AnsweredAsV0) {
  for (const auto& [version, line, label] :
       {std::tuple{0, false, "protocol:0"}, std::tuple{1, true, "protocol:1"},
        std::tuple{2, false, "protocol:0"}}) {
    const auto result = serve("0000", version);
    EXPECT_EQ(result.labels, (std::vector<std::string>{label, "push"}));
    EXPECT_EQ(packet_texts(stream_->output())[0] == "version 1", line) << version;
  }
}

TEST_F(ReceivePack, EmptyRepositoryAdvertisesCapabilities) {
  sh("rm -rf r && git init -q --bare r");
  serve("0000");
  const auto texts = packet_texts(stream_->output());
  ASSERT_EQ(texts.size(), 2U);
  EXPECT_TRUE(texts[0].starts_with(kZero + " capabilities^{}" + kNul + "report-status "));
}

// A new branch with its objects, at several read sizes; report-status with and without
// side-band.
TEST_F(ReceivePack, CreateBranchWithPack) {
  sh("cd src && echo new > new && git add new && git commit -qm new");
  const std::string new_id = rev("src", "main");
  const std::string pack_bytes = pack("main --not main~1");
  for (const bool side_band : {false, true}) {
    for (const size_t chunk : {size_t{1}, size_t{7}, size_t{1} << 20}) {
      sh("git -C r update-ref -d refs/heads/new 2>/dev/null || true");
      const std::string caps = side_band ? std::string(kReportCaps) : "report-status";
      const std::string input =
          PktBuilder()
              .data(fmt::format("{} {} refs/heads/new{}{}", kZero, new_id, kNul, caps))
              .flush()
              .str() +
          pack_bytes;
      const auto result = serve(input, 0, chunk);
      EXPECT_EQ(result.exit_status, 0) << result.error;
      EXPECT_EQ(result.pack_bytes, pack_bytes.size());
      EXPECT_EQ(result.labels, (std::vector<std::string>{"protocol:0", "push"}));
      EXPECT_EQ(reply(side_band).report,
                (std::vector<std::string>{"unpack ok", "ok refs/heads/new", "0000"}))
          << chunk;
      EXPECT_EQ(rev("r", "refs/heads/new"), new_id);
      if (side_band) {
        EXPECT_TRUE(stream_->output().ends_with("0000")) << "side-band ends with a flush";
      }
    }
  }
  sh("git -C r fsck --strict");
}

// Every object already there: the client sends an empty pack (git does), nothing is kept.
TEST_F(ReceivePack, EmptyPackForObjectsTheServerHas) {
  const std::string input =
      PktBuilder()
          .data(kZero + " " + rev("r", "side") + " refs/heads/copy" + kNul + "report-status")
          .flush()
          .str() +
      pack("main --not main");
  const auto result = serve(input);
  EXPECT_EQ(reply(false).report,
            (std::vector<std::string>{"unpack ok", "ok refs/heads/copy", "0000"}));
  EXPECT_EQ(pack_files(), packs_before_);
  EXPECT_EQ(result.exit_status, 0);
}

TEST_F(ReceivePack, MissingObjectsAreRefused) {
  sh("cd src && echo new > new && git add new && git commit -qm new");
  const std::string input =
      PktBuilder()
          .data(kZero + " " + rev("src", "main") + " refs/heads/new" + kNul + "report-status")
          .flush()
          .str() +
      pack("main --not main");  // an empty pack: the new commit is not in it
  const auto result = serve(input);
  EXPECT_EQ(reply(false).report,
            (std::vector<std::string>{"unpack ok", "ng refs/heads/new missing necessary objects",
                                      "0000"}));
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.labels, (std::vector<std::string>{"protocol:0", "push", "rejected"}));
  EXPECT_NE(result.error.find("refs/heads/new: missing necessary objects"), std::string::npos);
  expect_nothing_left();
}

// delete-refs is the server's word that deletes are taken; git's client never sends it
// back (gitprotocol-capabilities), so a delete without it is taken too.
TEST_F(ReceivePack, StaleOldValueAndDeleteWithoutDeleteRefs) {
  const std::string input = PktBuilder()
                                .data(rev("r", "side") + " " + rev("r", "main~1") +
                                      " refs/heads/main" + kNul + "report-status")
                                .data(rev("r", "side") + " " + kZero + " refs/heads/side")
                                .flush()
                                .str() +
                            pack("main --not main");
  serve(input);
  EXPECT_EQ(reply(false).report, (std::vector<std::string>{
                                     "unpack ok", "ng refs/heads/main incorrect old value provided",
                                     "ok refs/heads/side", "0000"}));
  EXPECT_EQ(pack_files(), packs_before_);
}

// Deletes only: no pack follows (git's delete_only).
TEST_F(ReceivePack, DeleteOnly) {
  const std::string input = PktBuilder()
                                .data(rev("r", "side") + " " + kZero + " refs/heads/side" + kNul +
                                      std::string(kReportCaps))
                                .flush()
                                .str();
  const auto result = serve(input);
  EXPECT_EQ(result.exit_status, 0) << result.error;
  EXPECT_EQ(reply(true).report,
            (std::vector<std::string>{"unpack ok", "ok refs/heads/side", "0000"}));
  EXPECT_NE(
      run("git -C " + testing::quote(dir_ / "r") + " rev-parse -q --verify refs/heads/side").status,
      0);
}

TEST_F(ReceivePack, ProtocolErrorIsFatal) {
  const auto result = serve(PktBuilder().line("this is not a command").flush().str());
  EXPECT_EQ(result.exit_status, 128);
  EXPECT_FALSE(result.error.empty());
  const auto texts = packet_texts(stream_->output());
  EXPECT_TRUE(texts.back().starts_with("ERR ")) << texts.back();
}

TEST_F(ReceivePack, FlushAloneIsAnEmptyPush) {
  const auto result = serve("0000");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(packet_texts(stream_->output()).back(), "0000");
}

// The client goes away in the middle of its pack: nothing is kept.
TEST_F(ReceivePack, HangUpMidPackLeavesNothing) {
  sh("cd src && echo new > new && git add new && git commit -qm new");
  const std::string full = pack("main --not main~1");
  const std::string input =
      PktBuilder()
          .data(kZero + " " + rev("src", "main") + " refs/heads/new" + kNul + "report-status")
          .flush()
          .str() +
      full.substr(0, full.size() / 2);
  const auto result = serve(input);
  EXPECT_EQ(result.exit_status, 128);
  EXPECT_NE(result.error.find("hung up"), std::string::npos) << result.error;
  expect_nothing_left();
}

TEST_F(ReceivePack, PackOverTheLimitIsRefused) {
  sh("cd src && head -c 200000 /dev/urandom > big && git add big && git commit -qm big");
  PushSettings settings;
  settings.max_pack_bytes = 50'000;
  const std::string input = PktBuilder()
                                .data(kZero + " " + rev("src", "main") + " refs/heads/big" + kNul +
                                      std::string(kReportCaps))
                                .flush()
                                .str() +
                            pack("main --not main~1");
  const auto result = serve(input, 0, 1 << 20, settings);
  const Reply r = reply(true);
  ASSERT_EQ(r.report.size(), 3U);
  EXPECT_TRUE(r.report[0].starts_with("unpack ")) << r.report[0];
  EXPECT_NE(r.report[0], "unpack ok");
  EXPECT_EQ(r.report[1], "ng refs/heads/big unpacker error");
  EXPECT_NE(r.progress.find("error: "), std::string::npos);
  EXPECT_LE(result.pack_bytes, 50'000U + 65'536U);
  expect_nothing_left();
}

// A tree with ".git" in it: refused by fsck, nothing kept; with fsck off it goes through.
TEST_F(ReceivePack, FsckRefusesDotGit) {
  const std::string blob = sh("echo x | git -C src hash-object -w --stdin").substr(0, 40);
  const std::string tree =
      sh("printf '100644 blob " + blob + "\\t.GIT\\n' | git -C src mktree").substr(0, 40);
  const std::string commit = sh("git -C src commit-tree -m dotgit " + tree).substr(0, 40);
  sh("git -C src update-ref refs/heads/dotgit " + commit);
  const std::string input =
      PktBuilder()
          .data(kZero + " " + commit + " refs/heads/dotgit" + kNul + "report-status")
          .flush()
          .str() +
      pack("dotgit --not main");
  serve(input);
  const Reply r = reply(false);
  ASSERT_EQ(r.report.size(), 3U);
  EXPECT_EQ(r.report[0], "unpack object " + tree + ": hasDotgit: contains '.git'");
  EXPECT_EQ(r.report[1], "ng refs/heads/dotgit unpacker error");
  expect_nothing_left();
  PushSettings no_fsck;
  no_fsck.fsck = false;
  serve(input, 0, 1 << 20, no_fsck);
  EXPECT_EQ(reply(false).report,
            (std::vector<std::string>{"unpack ok", "ok refs/heads/dotgit", "0000"}));
  // The repository may let one kind of problem through, as git's receive.fsck.<msg-id>.
  sh("git -C r update-ref -d refs/heads/dotgit && git -C r config receive.fsck.hasDotgit warn");
  serve(input);
  EXPECT_EQ(reply(false).report,
            (std::vector<std::string>{"unpack ok", "ok refs/heads/dotgit", "0000"}));
}

TEST_F(ReceivePack, AtomicRefusesAllWhenOneIsRefused) {
  sh("git -C r config receive.denyDeletes true");
  sh("cd src && echo new > new && git add new && git commit -qm new");
  const std::string input = PktBuilder()
                                .data(kZero + " " + rev("src", "main") + " refs/heads/new" + kNul +
                                      "report-status atomic delete-refs")
                                .data(rev("r", "side") + " " + kZero + " refs/heads/side")
                                .flush()
                                .str() +
                            pack("main --not main~1");
  const auto result = serve(input);
  EXPECT_EQ(reply(false).report,
            (std::vector<std::string>{"unpack ok", "ng refs/heads/new atomic push failure",
                                      "ng refs/heads/side deletion prohibited", "0000"}));
  EXPECT_EQ(result.labels, (std::vector<std::string>{"atomic", "protocol:0", "push", "rejected"}));
  expect_nothing_left();
}

// Hostile or broken requests: each ends with an answer, the status it deserves, and
// nothing left in the repository.
TEST_F(ReceivePack, BrokenRequestsLeaveNothing) {
  sh("cd src && echo new > new && git add new && git commit -qm new");
  const std::string create =
      fmt::format("{} {} refs/heads/new{}report-status side-band-64k push-options", kZero,
                  rev("src", "main"), kNul);
  const std::string good_pack = pack("main --not main~1");
  struct Case {
    std::string name;
    std::string input;
    int status;
  };
  const std::vector<Case> cases = {
      {"no flush after the commands", PktBuilder().data(create).str(), 128},
      {"no push options", PktBuilder().data(create).flush().str(), 128},
      {"options, then nothing", PktBuilder().data(create).flush().line("o").flush().str(), 128},
      {"not a pack", PktBuilder().data(create).flush().flush().str() + std::string(200, 'x'), 0},
      {"pack header only",
       PktBuilder().data(create).flush().flush().str() + good_pack.substr(0, 12), 128},
      {"pack without its trailer",
       PktBuilder().data(create).flush().flush().str() + good_pack.substr(0, good_pack.size() - 20),
       128},
      {"pack with a wrong trailer",
       // The last byte flipped: a fixed replacement would be the real byte once in 256 runs.
       PktBuilder().data(create).flush().flush().str() + good_pack.substr(0, good_pack.size() - 1) +
           static_cast<char>(good_pack.back() ^ 0x01),
       0},
      {"bad pkt-line", PktBuilder().data(create).raw("zzzz").str(), 128},
      {"delim in the commands", PktBuilder().data(create).delim().flush().str(), 128},
  };
  for (const Case& c : cases) {
    const auto result = serve(c.input);
    EXPECT_EQ(result.exit_status, c.status) << c.name << ": " << result.error;
    EXPECT_FALSE(result.error.empty()) << c.name;
    EXPECT_NE(run("git -C " + testing::quote(dir_ / "r") + " rev-parse -q --verify refs/heads/new")
                  .status,
              0)
        << c.name;
    expect_nothing_left();
  }
}

// "Resolving deltas" on band 2 unless the client asked for quiet.
TEST_F(ReceivePack, ProgressUnlessQuiet) {
  sh("cd src && for i in 1 2 3; do seq 1 $i > d/e/g1 && git commit -qam p$i; done");
  const std::string pack_bytes = pack("main --not main~3");
  for (const bool quiet : {false, true}) {
    sh("git -C r update-ref -d refs/heads/p 2>/dev/null || true");
    const std::string caps = std::string(kReportCaps) + (quiet ? " quiet" : "");
    serve(PktBuilder()
              .data(fmt::format("{} {} refs/heads/p{}{}", kZero, rev("src", "main"), kNul, caps))
              .flush()
              .str() +
          pack_bytes);
    const Reply r = reply(true);
    EXPECT_EQ(r.report, (std::vector<std::string>{"unpack ok", "ok refs/heads/p", "0000"}));
    if (quiet) {
      EXPECT_EQ(r.progress, "");
    } else {
      EXPECT_TRUE(r.progress.starts_with("Resolving deltas: ")) << r.progress;
      EXPECT_NE(r.progress.find("Resolving deltas: 100% ("), std::string::npos) << r.progress;
      EXPECT_TRUE(r.progress.ends_with(", done.\n")) << r.progress;
    }
  }
}

// A pack whose bytes were damaged on the way: refused, nothing kept.
TEST_F(ReceivePack, CorruptPackIsAnUnpackError) {
  sh("cd src && seq 1 5000 > big && git add big && git commit -qm big");
  std::string bytes = pack("main --not main~1");
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x55);
  const auto result = serve(
      PktBuilder()
          .data(fmt::format("{} {} refs/heads/c{}report-status", kZero, rev("src", "main"), kNul))
          .flush()
          .str() +
      bytes);
  const Reply r = reply(false);
  ASSERT_EQ(r.report.size(), 3U);
  EXPECT_NE(r.report[0], "unpack ok");
  EXPECT_EQ(r.report[1], "ng refs/heads/c unpacker error");
  EXPECT_EQ(result.labels, (std::vector<std::string>{"protocol:0", "push", "rejected"}));
  expect_nothing_left();
}

// Upload-pack's shared pack store sees the pushed pack at once (its key is the set of
// pack files), and maintenance is started for the repository after a push that kept a
// pack.
TEST_F(ReceivePack, NewPackSeenAndMaintenanceStarted) {
  const auto before = pack::PackStore::shared(dir_ / "r/objects/pack");
  sh("printf '%s\\n' '#!/bin/sh' 'echo \"$@\" > \"$2/../maintenance.args\"' > fake-git && "
     "chmod +x fake-git");
  detail::set_maintenance_program((dir_ / "fake-git").string());
  sh("cd src && echo new > new && git add new && git commit -qm new");
  const auto result = serve(PktBuilder()
                                    .data(fmt::format("{} {} refs/heads/new{}report-status", kZero,
                                                      rev("src", "main"), kNul))
                                    .flush()
                                    .str() +
                                pack("main --not main~1"),
                            0, 1 << 20, {}, true);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_TRUE(detail::wait_for_maintenance(std::chrono::seconds(10)));
  detail::set_maintenance_program("git");
  EXPECT_EQ(sh("cat maintenance.args"),
            "-C " + (dir_ / "r").string() + " maintenance run --auto --quiet\n");
  const auto after = pack::PackStore::shared(dir_ / "r/objects/pack");
  EXPECT_EQ(after->packs().size(), before->packs().size() + 1);
  git_oid id{};
  ASSERT_EQ(git_oid_fromstr(&id, rev("src", "main").c_str()), 0);
  EXPECT_TRUE(
      after->find(std::span<const uint8_t, pack::kOidSize>(id.id, pack::kOidSize)).has_value());
}

}  // namespace
}  // namespace gitgate::git
