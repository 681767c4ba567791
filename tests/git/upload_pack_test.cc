#include "git/upload_pack.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/git/git_fixture.h"
#include "tests/git/memory_stream.h"
#include "tests/testing/pktline_builder.h"

namespace gitgate::git {
namespace {

using gitgate::testing::packet_texts;
using gitgate::testing::ParsedPacket;
using gitgate::testing::PktBuilder;
using gitgate::testing::split_packets;
using testing::run;

constexpr std::string_view kClientCaps = "multi_ack_detailed side-band-64k ofs-delta agent=test";

class UploadPack : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    make_sample_repository();
  }

  std::string rev(const std::string& what) {
    std::string out = sh("git -C src rev-parse " + what);
    return out.substr(0, 40);
  }

  UploadPackResult serve(const std::string& input, int version = 0, size_t chunk = 1 << 20) {
    stream_ = std::make_unique<testing::MemoryStream>(input, chunk);
    return serve_upload_pack({dir_ / "src", version}, *stream_);
  }

  // The packets after the advertisement's flush.
  std::vector<std::string> replies() {
    auto texts = packet_texts(stream_->output());
    const auto flush = std::find(texts.begin(), texts.end(), "0000");
    return {flush == texts.end() ? texts.end() : flush + 1, texts.end()};
  }

  std::unique_ptr<testing::MemoryStream> stream_;
};

TEST_F(UploadPack, AdvertisementOnlyEndsCleanly) {
  const std::string expected = sh("git ls-remote src");
  for (const std::string& input : {std::string("0000"), std::string()}) {
    const auto result = serve(input);
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_EQ(result.labels, (std::vector<std::string>{"protocol:0", "refs"}));
    EXPECT_EQ(result.error, "");
    auto texts = packet_texts(stream_->output());
    ASSERT_GE(texts.size(), 2U);
    EXPECT_EQ(texts.back(), "0000");
    const size_t nul = texts[0].find('\0');
    ASSERT_NE(nul, std::string::npos);
    EXPECT_NE(texts[0].find("symref=HEAD:refs/heads/main"), std::string::npos);
    texts[0].resize(nul);
    std::string listed;
    for (size_t i = 0; i + 1 < texts.size(); ++i) {
      listed += texts[i].replace(40, 1, "\t") + "\n";
    }
    EXPECT_EQ(listed, expected);
  }
}

TEST_F(UploadPack, VersionLine) {
  struct Case {
    int requested;
    bool version_line;
    std::string label;
  };
  for (const Case& c :
       {Case{0, false, "protocol:0"}, Case{1, true, "protocol:1"}, Case{2, false, "protocol:2"}}) {
    const auto result = serve("0000", c.requested);
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_EQ(result.labels, (std::vector<std::string>{c.label, "refs"}));
    const auto texts = packet_texts(stream_->output());
    ASSERT_FALSE(texts.empty());
    EXPECT_EQ(texts[0] == "version 1", c.version_line) << c.requested;
    EXPECT_EQ(texts[0] == "version 2", c.requested == 2) << c.requested;
  }
}

TEST_F(UploadPack, EmptyRepository) {
  sh("git init -q --bare empty.git");
  testing::MemoryStream stream("0000");
  const auto result = serve_upload_pack({dir_ / "empty.git", 0}, stream);
  EXPECT_EQ(result.exit_status, 0);
  const auto texts = packet_texts(stream.output());
  ASSERT_EQ(texts.size(), 2U);
  EXPECT_EQ(texts[0].substr(0, 57), std::string(40, '0') + " capabilities^{}" + '\0');
  EXPECT_EQ(texts[0].find("symref"), std::string::npos);
}

TEST_F(UploadPack, RefusedWants) {
  const std::string dangling =
      sh("cd src && git commit-tree -m dangling HEAD^{tree}").substr(0, 40);
  const std::string unknown(40, '7');
  for (const std::string& id : {dangling, unknown}) {
    const auto result = serve(PktBuilder()
                                  .line("want " + rev("HEAD") + " " + std::string(kClientCaps))
                                  .line("want " + id)
                                  .flush()
                                  .line("done")
                                  .str());
    EXPECT_EQ(result.exit_status, 128);
    EXPECT_EQ(result.error, "upload-pack: not our ref " + id);
    EXPECT_EQ(replies(), (std::vector<std::string>{"ERR upload-pack: not our ref " + id}));
  }
}

TEST_F(UploadPack, ProtocolErrorsReachTheClient) {
  const std::string head = rev("HEAD");
  const std::vector<std::string> inputs = {
      PktBuilder().line("wnt " + head).flush().str(),
      PktBuilder().line("want " + head.substr(2)).flush().str(),
      PktBuilder().line("want " + head).line("deepen 1").flush().str(),
      PktBuilder().line("want " + head).flush().line("have nothing").str(),
      PktBuilder().line("want " + head).flush().line("have " + head).str(),  // EOF
      PktBuilder().line("want " + head).raw("00zz").str(),
      PktBuilder().line("want " + head).delim().str(),
      PktBuilder().line("want " + head).line("filter blob:nothing").flush().str(),
      PktBuilder().line("want " + head).line("filter sparse:oid=x").flush().str(),
      PktBuilder().line("want " + head).line("deepen 0").flush().str(),
      PktBuilder().line("want " + head).line("deepen 1").line("deepen-since 9").flush().str(),
      PktBuilder().line("want " + head).line("deepen-not nothing").flush().str(),
      PktBuilder().line("want " + head).line("shallow " + rev("HEAD^{tree}")).flush().str(),
      PktBuilder().line("want " + head).line("deepen-relative").flush().str(),
  };
  for (const std::string& input : inputs) {
    const auto result = serve(input);
    EXPECT_EQ(result.exit_status, 128) << input;
    EXPECT_NE(result.error, "") << input;
    const auto texts = replies();
    ASSERT_FALSE(texts.empty()) << input;
    EXPECT_EQ(texts.back(), "ERR " + result.error) << input;
  }
}

// Each RequestLimits cap at its bound and one past it, over several read sizes: past it
// the client gets an ERR naming the limit and exit status 128, before any pack.
TEST_F(UploadPack, LimitsAtAndAboveTheirBound) {
  const std::string head = rev("HEAD");
  const std::string first = "want " + head + " " + std::string(kClientCaps);
  struct Case {
    std::string name;
    size_t RequestLimits::*limit;
    size_t bound;
    // The request with n capped lines.
    std::function<std::string(size_t)> request;
    std::string error;
  };
  auto repeated = [](PktBuilder b, const std::string& line, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      b.line(line);
    }
    return b;
  };
  const std::vector<Case> cases = {
      {"wants", &RequestLimits::max_wants, 3,
       [&](size_t n) {
         return repeated(PktBuilder().line(first), "want " + rev("side"), n - 1)
             .flush()
             .line("done")
             .str();
       },
       "too many want lines (limit 3, max_wants)"},
      {"haves", &RequestLimits::max_haves, 2,
       [&](size_t n) {
         return repeated(PktBuilder().line(first).flush(), "have " + rev("HEAD~1"), n)
             .line("done")
             .str();
       },
       "too many have lines (limit 2, max_haves)"},
      {"shallow", &RequestLimits::max_shallow, 2,
       [&](size_t n) {
         return repeated(PktBuilder().line(first), "shallow " + rev("HEAD~1"), n)
             .flush()
             .line("done")
             .str();
       },
       "too many shallow lines (limit 2, max_shallow)"},
      {"deepen-not", &RequestLimits::max_deepen_not, 2,
       [&](size_t n) {
         return repeated(PktBuilder().line(first), "deepen-not light", n)
             .flush()
             .line("done")
             .str();
       },
       "too many deepen-not lines (limit 2, max_deepen_not)"},
  };
  for (const Case& c : cases) {
    for (const size_t n : {c.bound, c.bound + 1}) {
      for (const size_t chunk : {size_t{1}, size_t{7}, size_t{1} << 20}) {
        UploadPackRequest request{dir_ / "src", 0};
        request.limits.*c.limit = c.bound;
        stream_ = std::make_unique<testing::MemoryStream>(c.request(n), chunk);
        const auto result = serve_upload_pack(request, *stream_);
        if (n == c.bound) {
          EXPECT_EQ(result.exit_status, 0) << c.name << ": " << result.error;
          continue;
        }
        EXPECT_EQ(result.exit_status, 128) << c.name;
        EXPECT_EQ(result.error, "upload-pack: " + c.error) << c.name;
        // Haves before the limit were acknowledged; nothing follows the ERR.
        const auto texts = replies();
        ASSERT_FALSE(texts.empty());
        EXPECT_EQ(texts.back(), "ERR upload-pack: " + c.error) << c.name;
        EXPECT_EQ(std::count_if(texts.begin(), texts.end(),
                                [](const std::string& t) { return !t.starts_with("ACK "); }),
                  1)
            << c.name;
      }
    }
  }
}

// The bytes of a whole v0 request, haves included, at, below and above the limit.
TEST_F(UploadPack, RequestBytesBelowAtAndAbove) {
  const std::string input = PktBuilder()
                                .line("want " + rev("HEAD") + " " + std::string(kClientCaps))
                                .flush()
                                .line("have " + rev("HEAD~1"))
                                .line("done")
                                .str();
  for (const size_t bound : {input.size() - 1, input.size(), input.size() + 1}) {
    UploadPackRequest request{dir_ / "src", 0};
    request.limits.max_request_bytes = bound;
    stream_ = std::make_unique<testing::MemoryStream>(input, 5);
    const auto result = serve_upload_pack(request, *stream_);
    EXPECT_EQ(result.exit_status, bound < input.size() ? 128 : 0) << bound;
    if (bound < input.size()) {
      EXPECT_EQ(result.error, "upload-pack: too many request bytes (limit " +
                                  std::to_string(bound) + ", max_request_bytes)");
    }
  }
}

// The budget covers checking the wants and the shallow boundary: with none left, either
// is refused with the budget's message.
TEST_F(UploadPack, NegotiationBudgetSpent) {
  const std::string caps = " " + std::string(kClientCaps);
  for (const std::string& input : {
           PktBuilder().line("want " + rev("HEAD~2") + caps).flush().line("done").str(),
           PktBuilder().line("want " + rev("HEAD") + caps).line("deepen 1").flush().str(),
       }) {
    UploadPackRequest request{dir_ / "src", 0};
    request.limits.negotiation_budget = std::chrono::milliseconds(0);
    stream_ = std::make_unique<testing::MemoryStream>(input);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto result = serve_upload_pack(request, *stream_);
    EXPECT_EQ(result.exit_status, 128) << input;
    EXPECT_EQ(result.error,
              "upload-pack: negotiation took too long (limit 0 ms, negotiation_budget_ms)");
    EXPECT_EQ(replies(), std::vector<std::string>{"ERR " + result.error});  // no shallow lines
    // The same request with the default budget is served.
    stream_ = std::make_unique<testing::MemoryStream>(input + PktBuilder().line("done").str());
    EXPECT_EQ(serve_upload_pack({dir_ / "src", 0}, *stream_).exit_status, 0) << input;
  }
}

// The pack bytes from band 1 of side-band output (after the NAK).
std::string band_one(const std::string& output) {
  size_t rest = 0;
  const auto packets = split_packets(output, &rest);
  EXPECT_EQ(rest, output.size());
  EXPECT_EQ(packets.back().kind, ParsedPacket::Kind::kFlush);
  std::string pack;
  bool after_nak = false;
  for (const ParsedPacket& p : packets) {
    if (after_nak && p.kind == ParsedPacket::Kind::kData) {
      EXPECT_FALSE(p.payload.empty());
      EXPECT_NE(p.payload[0], '\3') << p.payload;
      if (p.payload[0] == '\1') {
        pack += p.payload.substr(1);
      }
    }
    after_nak = after_nak || p.payload == "NAK\n" || p.payload.starts_with("ACK ");
  }
  return pack;
}

// Object count from the pack header ("PACK", version, count; big-endian).
uint32_t object_count(const std::string& pack) {
  EXPECT_GE(pack.size(), 12U);
  uint32_t count = 0;
  for (size_t i = 8; i < 12 && i < pack.size(); ++i) {
    count = (count << 8) | static_cast<uint8_t>(pack[i]);
  }
  return count;
}

TEST_F(UploadPack, CloneOnSideBandIsAValidPack) {
  struct Case {
    std::string caps;
    size_t max_packet;
  };
  const std::vector<Case> cases = {
      {"multi_ack_detailed side-band-64k ofs-delta", 65520},
      {"multi_ack side-band", 1000},
      {"side-band no-progress", 1000},
  };
  for (const Case& c : cases) {
    for (const size_t chunk : {size_t{1}, size_t{1} << 20}) {
      const auto result =
          serve(PktBuilder().line("want " + rev("HEAD") + " " + c.caps).flush().line("done").str(),
                0, chunk);
      ASSERT_EQ(result.exit_status, 0) << result.error;
      EXPECT_EQ(result.labels, (std::vector<std::string>{"clone", "protocol:0"}));
      for (const ParsedPacket& p : split_packets(stream_->output())) {
        EXPECT_LE(p.payload.size() + 4, c.max_packet) << c.caps;
      }
      const std::string pack = band_one(stream_->output());
      ASSERT_EQ(pack.substr(0, 4), "PACK");
      std::ofstream(dir_ / "sent.pack", std::ios::binary) << pack;
      sh("git init -q --bare check.git");
      sh("git -C check.git index-pack --stdin < sent.pack");
      // Every commit of HEAD's history arrived, with its trees and blobs.
      sh("git -C check.git rev-list --objects " + rev("HEAD") + " > /dev/null");
      EXPECT_EQ(std::to_string(object_count(pack)) + "\n",
                sh("git -C src rev-list --objects HEAD | wc -l"));
      sh("rm -rf check.git sent.pack");
    }
  }
}

TEST_F(UploadPack, ClientGoneEndsTheRequest) {
  stream_ = std::make_unique<testing::MemoryStream>(
      PktBuilder().line("want " + rev("HEAD") + " side-band-64k").flush().line("done").str());
  stream_->fail_writes();
  const auto result = serve_upload_pack({dir_ / "src", 0}, *stream_);
  EXPECT_EQ(result.exit_status, 128);
  EXPECT_EQ(result.error, "the client went away");
}

// A fetch sends what the common commit lacks, as a self-contained (not thin) pack.
TEST_F(UploadPack, FetchSendsOnlyWhatIsMissing) {
  const std::string input = PktBuilder()
                                .line("want " + rev("main") + " " + std::string(kClientCaps))
                                .flush()
                                .line("have " + rev("side"))
                                .line("have " + std::string(40, '9'))
                                .flush()
                                .line("done")
                                .str();
  const auto result = serve(input);
  ASSERT_EQ(result.exit_status, 0) << result.error;
  EXPECT_EQ(result.labels, (std::vector<std::string>{"fetch", "protocol:0"}));
  const std::string pack = band_one(stream_->output());
  EXPECT_EQ(std::to_string(object_count(pack)) + "\n",
            sh("git -C src rev-list --objects main ^side | wc -l"));
  std::ofstream(dir_ / "sent.pack", std::ios::binary) << pack;
  sh("git init -q --bare check.git && git -C check.git index-pack --stdin < sent.pack");
}

TEST_F(UploadPack, IncludeTagOnlyWhenAsked) {
  for (const bool include : {true, false}) {
    const std::string caps = std::string(kClientCaps) + (include ? " include-tag" : "");
    const auto result =
        serve(PktBuilder().line("want " + rev("main") + " " + caps).flush().line("done").str());
    ASSERT_EQ(result.exit_status, 0) << result.error;
    std::ofstream(dir_ / "sent.pack", std::ios::binary) << band_one(stream_->output());
    sh("rm -rf check.git && git init -q --bare check.git");
    sh("git -C check.git index-pack --stdin < sent.pack");
    for (const char* tag : {"v1", "nested"}) {
      const auto type = run("git -C " + testing::quote(dir_ / "check.git") + " cat-file -t " +
                            rev(std::string("refs/tags/") + tag));
      EXPECT_EQ(type.status == 0 && type.output == "tag\n", include) << tag << type.output;
    }
  }
}

TEST_F(UploadPack, MissingRepositoryIsAServerFault) {
  testing::MemoryStream stream("0000");
  const auto result = serve_upload_pack({dir_ / "nothing.git", 0}, stream);
  EXPECT_EQ(result.exit_status, 128);
  EXPECT_EQ(packet_texts(stream.output()),
            (std::vector<std::string>{"ERR upload-pack: cannot open the repository"}));
  // The details (server paths) reach the log only.
  EXPECT_NE(result.error.find("nothing.git"), std::string::npos) << result.error;
}

// Without side-band the pack follows the NAK raw and progress goes to stderr, as
// git's upload-pack does, unless the client said no-progress.
TEST_F(UploadPack, CloneWithoutSideBandSendsTheRawPack) {
  for (const bool progress : {true, false}) {
    const std::string caps = progress ? "" : " no-progress";
    const auto result =
        serve(PktBuilder().line("want " + rev("main") + caps).flush().line("done").str());
    ASSERT_EQ(result.exit_status, 0) << result.error;
    const std::string& out = stream_->output();
    const size_t nak = out.find("0008NAK\n");
    ASSERT_NE(nak, std::string::npos);
    EXPECT_EQ(out.substr(nak + 8, 4), "PACK");
    EXPECT_EQ(stream_->err().find("Enumerating objects: "), progress ? 0 : std::string::npos);
  }
}

// The real git client against upload_pack_stdio, without SSH.
class UploadPackWithGit : public UploadPack {
 protected:
  // git with the upload-pack program and a log of each UploadPackResult.
  std::string git(int version) {
    return fmt::format("UPLOAD_PACK_STDIO_LOG={} git -c protocol.version={} ",
                       testing::quote(dir_ / "log"), version);
  }
  static std::string upload_pack() { return std::string("--upload-pack=") + UPLOAD_PACK_STDIO; }
  std::string log() { return sh("cat log && rm log"); }
  std::string refs_of(const std::string& repo, const std::string& pattern) {
    return sh("git -C " + repo + " for-each-ref --format='%(objectname) %(refname:lstrip=-1)' " +
              pattern);
  }
};

// Plain, and with --symref for HEAD (v2 ls-refs "symrefs", v0/v1 the symref capability).
TEST_F(UploadPackWithGit, LsRemote) {
  for (const auto& [options, patterns] : {std::pair{"", ""}, std::pair{"--symref ", " HEAD"}}) {
    const std::string expected = sh(std::string("git ls-remote ") + options + "src" + patterns);
    for (int version : {0, 1, 2}) {
      EXPECT_EQ(sh(git(version) + "ls-remote " + options + upload_pack() + " src" + patterns),
                expected)
          << options;
      EXPECT_EQ(log(), fmt::format("exit=0 labels=protocol:{},refs, error=\n", version));
    }
  }
}

TEST_F(UploadPackWithGit, CloneThenFetch) {
  // The clone is whole and has every branch and tag of src.
  const auto check_clone = [&](const std::string& clone) {
    sh("git -C " + clone + " fsck --strict");
    EXPECT_EQ(refs_of(clone, "refs/remotes/origin/main refs/remotes/origin/side"),
              refs_of("src", "refs/heads"));
    EXPECT_EQ(refs_of(clone, "refs/tags"), refs_of("src", "refs/tags"));
  };
  for (int version : {0, 1, 2}) {
    const std::string clone = fmt::format("clone{}", version);
    sh(git(version) + "clone -q --no-local " + upload_pack() + " src " + clone);
    EXPECT_EQ(log(), fmt::format("exit=0 labels=clone,protocol:{}, error=\n", version));
    check_clone(clone);
  }
  sh("cd src && echo 4 > f4 && echo changed > d/e/g1 && git add -A && git commit -qm c4 && "
     "git tag -a v2 -m two && git checkout -q side && echo t > t && git add t && "
     "git commit -qm side2 && git checkout -q main");
  for (int version : {0, 1, 2}) {
    const std::string clone = fmt::format("clone{}", version);
    sh("cd " + clone + " && " + git(version) + "fetch -q " + upload_pack() + " origin");
    EXPECT_EQ(log(), fmt::format("exit=0 labels=fetch,protocol:{}, error=\n", version));
    check_clone(clone);  // the new tag v2 followed
  }
}

TEST_F(UploadPackWithGit, EmptyRepository) {
  sh("git init -q --bare -b trunk empty.git");
  for (int version : {0, 1, 2}) {
    const std::string to = fmt::format("e{}", version);
    const std::string out =
        sh(git(version) + "clone --no-local " + upload_pack() + " empty.git " + to);
    EXPECT_NE(out.find("You appear to have cloned an empty repository"), std::string::npos) << out;
    EXPECT_EQ(log(), fmt::format("exit=0 labels=protocol:{},refs, error=\n", version));
    sh("git -C " + to + " fsck");
    if (version == 2) {  // v2 tells the client the unborn HEAD's branch
      EXPECT_EQ(sh("git -C " + to + " symbolic-ref HEAD"), "refs/heads/trunk\n");
    }
  }
}

// libgit2 1.5 cannot read SHA-256 repositories: the client is told so, in any version.
TEST_F(UploadPackWithGit, Sha256RepositoryIsRefused) {
  sh("git init -q --bare --object-format=sha256 sha256.git");
  for (int version : {0, 1, 2}) {
    const auto result = run("cd " + testing::quote(dir_) + " && " + git(version) + "ls-remote " +
                            upload_pack() + " sha256.git");
    EXPECT_NE(result.status, 0);
    EXPECT_NE(result.output.find(
                  "remote error: upload-pack: this server does not support SHA-256 repositories"),
              std::string::npos)
        << result.output;
    EXPECT_EQ(log(), fmt::format("exit=128 labels=protocol:{}, error=upload-pack: this server "
                                 "does not support SHA-256 repositories: extensions.objectformat "
                                 "is not sha1\n",
                                 version));
  }
}

// A fetch with nothing new, then --tags after a new tag: only the tag travels.
TEST_F(UploadPackWithGit, NothingNewThenTags) {
  for (int version : {0, 1, 2}) {
    const std::string clone = fmt::format("c{}", version);
    sh(git(version) + "clone -q --no-local --no-tags " + upload_pack() + " src " + clone);
    log();
    sh("cd " + clone + " && " + git(version) + "fetch -q " + upload_pack() + " origin");
    EXPECT_EQ(log(), fmt::format("exit=0 labels=protocol:{},refs, error=\n", version));
    EXPECT_EQ(refs_of(clone, "refs/tags"), "");
    sh("cd " + clone + " && " + git(version) + "fetch -q --tags " + upload_pack() + " origin");
    EXPECT_EQ(refs_of(clone, "refs/tags"), refs_of("src", "refs/tags"));
    EXPECT_EQ(log(), fmt::format("exit=0 labels=fetch,protocol:{}, error=\n", version));
    sh("git -C " + clone + " fsck --strict");
  }
}

TEST_F(UploadPackWithGit, UnreachableWantIsRefused) {
  sh(git(0) + "clone -q --no-local " + upload_pack() + " src c");
  log();
  const std::string dangling =
      sh("cd src && git commit-tree -m dangling HEAD^{tree}").substr(0, 40);
  const auto result = run("cd " + testing::quote(dir_ / "c") + " && " + git(0) + "fetch " +
                          upload_pack() + " origin " + dangling);
  EXPECT_EQ(result.status, 128);
  EXPECT_NE(result.output.find("remote error: upload-pack: not our ref " + dangling),
            std::string::npos)
      << result.output;
  EXPECT_EQ(log(), "exit=128 labels=protocol:0, error=upload-pack: not our ref " + dangling + "\n");
}

}  // namespace
}  // namespace gitgate::git
