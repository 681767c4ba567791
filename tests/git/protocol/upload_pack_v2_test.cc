// Protocol v2 through serve_upload_pack on memory streams: the advertisement, each
// command, several commands on one connection, and every refusal.
#include "git/protocol/upload_pack_v2.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "git/protocol/upload_pack_io.h"
#include "tests/git/git_fixture.h"
#include "tests/git/memory_stream.h"
#include "tests/testing/pktline_builder.h"

namespace gitgate::git::detail {
namespace {

using gitgate::testing::after_first_flush;
using gitgate::testing::packet_texts;
using gitgate::testing::PktBuilder;

class UploadPackV2 : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    make_sample_repository();
  }

  std::string rev(const std::string& what, const std::string& repo = "src") {
    return sh("git -C " + repo + " rev-parse " + what).substr(0, 40);
  }

  UploadPackResult serve(const std::string& input, const std::string& repo = "src",
                         size_t chunk = 1 << 20) {
    stream_ = std::make_unique<testing::MemoryStream>(input, chunk);
    return serve_upload_pack_v2({dir_ / repo, 2}, *stream_);
  }

  // The packets after the capability advertisement.
  std::vector<std::string> replies() {
    auto texts = packet_texts(stream_->output());
    const auto flush = std::find(texts.begin(), texts.end(), "0000");
    return {flush == texts.end() ? texts.end() : flush + 1, texts.end()};
  }

  static PktBuilder command(const std::string& name) {
    PktBuilder b;
    b.line("command=" + name).line("agent=git/2.39.5").line("object-format=sha1").delim();
    return b;
  }

  std::unique_ptr<testing::MemoryStream> stream_;
};

TEST_F(UploadPackV2, AdvertisesOnlyWhatItHonours) {
  const auto result = serve("");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.labels, (std::vector<std::string>{"protocol:2", "refs"}));
  EXPECT_EQ(
      packet_texts(stream_->output()),
      (std::vector<std::string>{"version 2", "agent=gitgate/0.1", "ls-refs=unborn",
                                "fetch=shallow wait-for-done filter ref-in-want", "server-option",
                                "object-format=sha1", "object-info", "0000"}));
}

TEST_F(UploadPackV2, LsRefs) {
  const std::string head = rev("HEAD");
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {{},
       {head + " HEAD", head + " refs/heads/main", rev("side") + " refs/heads/side",
        rev("light") + " refs/tags/light", rev("refs/tags/nested") + " refs/tags/nested",
        rev("refs/tags/v1") + " refs/tags/v1", "0000"}},
      {{"symrefs", "peel", "ref-prefix HEAD", "ref-prefix refs/tags/v"},
       {head + " HEAD symref-target:refs/heads/main",
        rev("refs/tags/v1") + " refs/tags/v1 peeled:" + rev("v1^{}"), "0000"}},
      {{"ref-prefix refs/heads/s"}, {rev("side") + " refs/heads/side", "0000"}},
  };
  for (const Case& c : cases) {
    PktBuilder b = command("ls-refs");
    for (const std::string& arg : c.args) {
      b.line(arg);
    }
    const auto result = serve(b.flush().flush().str());
    EXPECT_EQ(result.exit_status, 0) << result.error;
    EXPECT_EQ(replies(), c.expected);
    EXPECT_EQ(result.labels, (std::vector<std::string>{"protocol:2", "refs"}));
  }
}

TEST_F(UploadPackV2, LsRefsUnbornHead) {
  sh("git init -q -b trunk --bare empty.git");
  for (const bool unborn : {true, false}) {
    PktBuilder b = command("ls-refs");
    b.line("symrefs");
    if (unborn) {
      b.line("unborn");
    }
    const auto result = serve(b.flush().str(), "empty.git");
    EXPECT_EQ(result.exit_status, 0) << result.error;
    const std::vector<std::string> expected =
        unborn ? std::vector<std::string>{"unborn HEAD symref-target:refs/heads/trunk", "0000"}
               : std::vector<std::string>{"0000"};
    EXPECT_EQ(replies(), expected);
  }
}

TEST_F(UploadPackV2, ObjectInfo) {
  const std::string blob = rev("HEAD:f1");
  const std::string missing(40, '7');
  const auto result = serve(
      command("object-info").line("size").line("oid " + blob).line("oid " + missing).flush().str());
  EXPECT_EQ(result.exit_status, 0) << result.error;
  std::string size = sh("git -C src cat-file -s " + blob);
  size.pop_back();
  EXPECT_EQ(replies(),
            (std::vector<std::string>{"size", blob + " " + size, missing + " ", "0000"}));
}

// Several commands on one connection, each answered in turn, then a flush to end.
TEST_F(UploadPackV2, SeveralCommands) {
  const std::string head = rev("HEAD");
  const std::string input = command("ls-refs").line("ref-prefix HEAD").flush().str() +
                            command("object-info").line("oid " + head).flush().str() +
                            command("ls-refs").line("ref-prefix refs/heads/main").flush().str() +
                            "0000";
  for (const size_t chunk : {size_t{1}, size_t{7}, size_t{1} << 20}) {
    const auto result = serve(input, "src", chunk);
    EXPECT_EQ(result.exit_status, 0) << result.error;
    EXPECT_EQ(replies(), (std::vector<std::string>{head + " HEAD", "0000", head, "0000",
                                                   head + " refs/heads/main", "0000"}));
  }
}

// Negotiation rounds: acknowledgments end the round with a flush until the server can
// give up ("ready"), or until done; wait-for-done holds back ready.
TEST_F(UploadPackV2, Acknowledgments) {
  const std::string main = rev("main");
  const std::string side = rev("side");
  const std::string unknown(40, '9');
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> expected_start;
  };
  const std::vector<Case> cases = {
      {{"have " + unknown}, {"acknowledgments", "NAK", "0000"}},
      {{"have " + side, "have " + unknown},
       {"acknowledgments", "ACK " + side, "ready", "0001", "packfile"}},
      {{"have " + side, "wait-for-done"}, {"acknowledgments", "ACK " + side, "0000"}},
      {{"have " + side, "done"}, {"packfile"}},
      {{}, {"packfile"}},
  };
  for (const Case& c : cases) {
    PktBuilder b = command("fetch");
    b.line("want " + main).line("no-progress");
    for (const std::string& arg : c.args) {
      b.line(arg);
    }
    const auto result = serve(b.flush().str());
    EXPECT_EQ(result.exit_status, 0) << result.error;
    const auto texts = replies();
    ASSERT_GE(texts.size(), c.expected_start.size());
    EXPECT_EQ(std::vector<std::string>(
                  texts.begin(), texts.begin() + static_cast<ptrdiff_t>(c.expected_start.size())),
              c.expected_start);
    const bool packed = c.expected_start.back() == "packfile";
    const std::string command = packed ? (c.args.empty() ? "clone" : "fetch") : "refs";
    std::vector<std::string> expected = {command, "protocol:2"};
    std::sort(expected.begin(), expected.end());  // in byte order, as the access log has them
    EXPECT_EQ(result.labels, expected) << c.expected_start.front();
    if (packed) {
      EXPECT_EQ(texts.back(), "0000");
      EXPECT_EQ(texts[c.expected_start.size()].substr(0, 5), "\1PACK");
    }
  }
}

TEST_F(UploadPackV2, WantRefAndShallowInfo) {
  const auto result = serve(command("fetch")
                                .line("want-ref refs/heads/side")
                                .line("deepen 1")
                                .line("no-progress")
                                .line("done")
                                .flush()
                                .str());
  EXPECT_EQ(result.exit_status, 0) << result.error;
  EXPECT_EQ(result.labels, (std::vector<std::string>{"clone", "protocol:2", "shallow"}));
  const auto texts = replies();
  ASSERT_GE(texts.size(), 8U);
  EXPECT_EQ(
      std::vector<std::string>(texts.begin(), texts.begin() + 7),
      (std::vector<std::string>{"shallow-info", "shallow " + rev("side"), "0001", "wanted-refs",
                                rev("side") + " refs/heads/side", "0001", "packfile"}));
}

TEST_F(UploadPackV2, Refusals) {
  const std::string head = rev("HEAD");
  const std::string dangling =
      sh("cd src && git commit-tree -m dangling HEAD^{tree}").substr(0, 40);
  struct Case {
    std::string input;
    std::string error;
  };
  const std::vector<Case> cases = {
      {PktBuilder().line("command=push").flush().str(), "invalid command 'push'"},
      {PktBuilder().line("command=fetch").line("bogus").flush().str(),
       "unknown capability 'bogus'"},
      {command("fetch").line("want " + head).line("sideband-all").flush().str(),
       "unexpected line: 'sideband-all'"},
      {command("ls-refs").line("nonsense").flush().str(), "unexpected line: 'nonsense'"},
      {command("fetch").line("want " + dangling).line("done").flush().str(),
       "upload-pack: not our ref " + dangling},
      {command("fetch").line("want " + std::string(40, '5')).flush().str(),
       "upload-pack: not our ref 5555555555555555555555555555555555555555"},
      {command("fetch").line("want-ref refs/heads/nothing").flush().str(),
       "unknown ref refs/heads/nothing"},
      {command("fetch").line("want " + head).line("filter sparse:oid=x").flush().str(),
       "filter 'sparse:oid' not supported"},
      {command("fetch").line("want " + head).line("deepen-not nothing").flush().str(),
       "deepen-not is not a ref"},
      {command("fetch").line("want " + head).line("done").str(),
       "the remote end hung up in the middle of a request"},
      {command("fetch").line("want " + head).raw("00zz").str(), "bad line length"},
      {PktBuilder().line("command=fetch").line("object-format=sha256").flush().str(),
       "mismatched object format"},
  };
  for (const Case& c : cases) {
    const auto result = serve(c.input);
    EXPECT_EQ(result.exit_status, 128) << c.error;
    EXPECT_NE(result.error.find(c.error), std::string::npos) << result.error;
    const auto texts = replies();
    ASSERT_FALSE(texts.empty()) << c.error;
    EXPECT_EQ(texts.back().substr(0, 4), "ERR ") << c.error;
    EXPECT_NE(texts.back().find(c.error), std::string::npos) << texts.back();
    EXPECT_EQ(result.labels, (std::vector<std::string>{"protocol:2"}));
  }
}

// The limits through a whole v2 session, over several read sizes: at the bound the fetch
// is served; one past it, an ERR naming the limit, before any acknowledgment or pack.
TEST_F(UploadPackV2, LimitsAtAndAboveTheirBound) {
  struct Case {
    std::string line;  // repeated n times after "want HEAD"
    size_t RequestLimits::*limit;
    size_t bound;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"want " + rev("side"), &RequestLimits::max_wants, 3,
       "too many want lines (limit 3, max_wants)"},
      {"want-ref refs/heads/side", &RequestLimits::max_wants, 2,
       "too many want lines (limit 2, max_wants)"},
      {"have " + rev("HEAD~1"), &RequestLimits::max_haves, 2,
       "too many have lines (limit 2, max_haves)"},
      {"shallow " + rev("HEAD~1"), &RequestLimits::max_shallow, 2,
       "too many shallow lines (limit 2, max_shallow)"},
      {"deepen-not light", &RequestLimits::max_deepen_not, 1,
       "too many deepen-not lines (limit 1, max_deepen_not)"},
  };
  for (const Case& c : cases) {
    // "want HEAD" counts as a want too.
    const size_t first = c.limit == &RequestLimits::max_wants ? 1 : 0;
    for (const size_t n : {c.bound - first, c.bound + 1 - first}) {
      PktBuilder b = command("fetch");
      b.line("want " + rev("HEAD"));
      for (size_t i = 0; i < n; ++i) {
        b.line(c.line);
      }
      const std::string input = b.line("no-progress").line("done").flush().str();
      for (const size_t chunk : {size_t{1}, size_t{7}, size_t{1} << 20}) {
        UploadPackRequest request{dir_ / "src", 2};
        request.limits.*c.limit = c.bound;
        stream_ = std::make_unique<testing::MemoryStream>(input, chunk);
        const auto result = serve_upload_pack_v2(request, *stream_);
        if (n + first == c.bound) {
          EXPECT_EQ(result.exit_status, 0) << c.line << ": " << result.error;
          continue;
        }
        EXPECT_EQ(result.exit_status, 128) << c.line;
        EXPECT_EQ(result.error, "upload-pack: " + c.error);
        EXPECT_EQ(replies(), std::vector<std::string>{"ERR upload-pack: " + c.error});
      }
    }
  }
}

// Past max_ref_prefixes, ls-refs lists every ref (git's TOO_MANY_PREFIXES), no error.
TEST_F(UploadPackV2, TooManyRefPrefixesListEveryRef) {
  const auto listed = [&](size_t prefixes) {
    PktBuilder b = command("ls-refs");
    b.line("ref-prefix refs/tags/");
    for (size_t i = 1; i < prefixes; ++i) {
      b.line("ref-prefix refs/nothing/" + std::to_string(i));
    }
    UploadPackRequest request{dir_ / "src", 2};
    request.limits.max_ref_prefixes = 4;
    stream_ = std::make_unique<testing::MemoryStream>(b.flush().str(), 1 << 20);
    EXPECT_EQ(serve_upload_pack_v2(request, *stream_).exit_status, 0);
    return replies().size() - 1;  // without the flush
  };
  const size_t tags = sh("git -C src tag").size() - sh("git -C src tag | tr -d '\\n'").size();
  const size_t all = sh("git -C src show-ref --head").size() -
                     sh("git -C src show-ref --head | tr -d '\\n'").size();
  EXPECT_EQ(listed(3), tags);
  EXPECT_EQ(listed(4), tags);
  EXPECT_EQ(listed(5), all);
}

// Wants that are not advertised but reachable are served (checked in one walk), and one
// unreachable want among them is named.
// With and without a reachability bitmap (answered by bit tests, or by the walk; a
// refusal is always confirmed by the walk).
TEST_F(UploadPackV2, UnadvertisedWantsCheckedTogether) {
  for (const std::string& repack : {"", "git repack -qadb"}) {
    if (!repack.empty()) {
      sh("cd src && " + repack);
    }
    const std::string dangling =
        sh("cd src && git commit-tree -m 'dangling " + repack + "' HEAD^{tree}").substr(0, 40);
    PktBuilder wants = command("fetch");
    for (const std::string& what : {"HEAD~1", "HEAD~2", "side~1", "HEAD^{tree}", "HEAD:d"}) {
      wants.line("want " + rev(what));
    }
    const auto served = serve(PktBuilder(wants).line("no-progress").line("done").flush().str());
    EXPECT_EQ(served.exit_status, 0) << served.error << " " << repack;
    const auto refused =
        serve(PktBuilder(wants).line("want " + dangling).line("done").flush().str());
    EXPECT_EQ(refused.exit_status, 128) << repack;
    EXPECT_EQ(refused.error, "upload-pack: not our ref " + dangling) << repack;
  }
}

// A client that goes away mid-pack: the request is still what it was known to be, a clone,
// and the labels are in the caller's set as soon as they are known, not only at the end.
TEST_F(UploadPackV2, AClientGoneMidPackIsStillAClone) {
  const std::string clone =
      command("fetch").line("want " + rev("HEAD")).line("no-progress").line("done").flush().str();
  const auto whole = serve(clone);
  ASSERT_EQ(whole.exit_status, 0);
  const size_t advertisement = after_first_flush(stream_->output());
  ASSERT_NE(advertisement, std::string::npos);
  const size_t pack_start = stream_->output().find("PACK");
  ASSERT_NE(pack_start, std::string::npos);
  // From the moment the pack is decided (its section lost with the client) to mid-pack.
  for (const size_t cut :
       {advertisement, pack_start + 20, (pack_start + stream_->output().size()) / 2}) {
    stream_ = std::make_unique<testing::MemoryStream>(clone);
    stream_->fail_writes_after(cut);
    RequestLabels labels{"ssh:user:id:2"};
    UploadPackRequest request{dir_ / "src", 2};
    request.labels = &labels;
    const auto result = serve_upload_pack_v2(request, *stream_);
    EXPECT_EQ(result.exit_status, 128) << cut;
    EXPECT_EQ(result.labels, (std::vector<std::string>{"clone", "protocol:2", "ssh:user:id:2"}))
        << cut;
    EXPECT_EQ(labels.list(), result.labels);
  }
  // Gone during the capability advertisement: nothing was asked, only the protocol.
  stream_ = std::make_unique<testing::MemoryStream>(clone);
  stream_->fail_writes_after(advertisement - 1);
  EXPECT_EQ(serve_upload_pack_v2({dir_ / "src", 2}, *stream_).labels,
            (std::vector<std::string>{"protocol:2"}));
}

// After a complete fetch the connection is read for the next command: garbage there is
// refused with ERR and exit 128, after the pack that was asked for.
TEST_F(UploadPackV2, GarbageAfterDone) {
  const auto result = serve(
      command("fetch").line("want " + rev("HEAD")).line("no-progress").line("done").flush().str() +
      "zzzz");
  EXPECT_EQ(result.exit_status, 128);
  const auto texts = replies();
  ASSERT_GE(texts.size(), 3U);
  EXPECT_EQ(texts.front(), "packfile");
  EXPECT_EQ(texts[texts.size() - 2], "0000");
  EXPECT_EQ(texts.back().substr(0, 4), "ERR ");
  EXPECT_EQ(result.labels, (std::vector<std::string>{"clone", "protocol:2"}));
}

// A MemoryStream that counts what the server read, and how much it had written by its
// last read: the client's view of "ERR first, then the server read until I hung up".
class CountingStream : public testing::MemoryStream {
 public:
  using MemoryStream::MemoryStream;
  ptrdiff_t read(std::span<uint8_t> out) override {
    const ptrdiff_t n = MemoryStream::read(out);
    consumed_ += n > 0 ? static_cast<size_t>(n) : 0;
    output_at_last_read_ = output().size();
    return n;
  }
  size_t consumed() const { return consumed_; }
  size_t output_at_last_read() const { return output_at_last_read_; }

 private:
  size_t consumed_ = 0;
  size_t output_at_last_read_ = 0;
};

// A refused request whose client is still writing (the rest of its arguments, the next
// command): the ERR goes out, then the server reads to the client's end of input, so the
// client's writes never fail with a broken pipe before it has read the ERR.
TEST_F(UploadPackV2, RefusalDrainsTheClient) {
  const std::string head = rev("HEAD");
  std::string haves;
  for (int i = 0; i < 2000; ++i) {
    haves += PktBuilder().line("have " + std::string(40, static_cast<char>('a' + i % 6))).str();
  }
  struct Case {
    std::string input;
    std::string error;
  };
  const std::vector<Case> cases = {
      // A framing error in the middle of a fetch whose haves are still streaming.
      {command("fetch").line("want " + head).raw("00zz").str() + haves, "bad line length"},
      // Refused at its flush; the client pipelines more.
      {command("fetch").line("want " + std::string(40, '5')).flush().str() + haves, "not our ref"},
      {PktBuilder().line("command=push").flush().str() + haves, "invalid command 'push'"},
      // After a served command.
      {command("ls-refs").flush().str() + command("ls-refs").line("nonsense").flush().str() + haves,
       "unexpected line: 'nonsense'"},
  };
  for (const Case& c : cases) {
    for (const size_t chunk : {size_t{1}, size_t{7}, size_t{1} << 20}) {
      CountingStream stream(c.input, chunk);
      const auto result = serve_upload_pack_v2({dir_ / "src", 2}, stream);
      EXPECT_EQ(result.exit_status, 128) << c.error;
      const auto texts = packet_texts(stream.output());
      ASSERT_FALSE(texts.empty()) << c.error;
      EXPECT_EQ(texts.back().substr(0, 4), "ERR ") << c.error;
      EXPECT_NE(texts.back().find(c.error), std::string::npos) << texts.back();
      EXPECT_EQ(stream.consumed(), c.input.size()) << c.error << ", chunk " << chunk;
      EXPECT_EQ(stream.output_at_last_read(), stream.output().size()) << c.error;
    }
  }
}

// The drain is bounded: a client that keeps sending after the ERR is not read forever.
TEST_F(UploadPackV2, RefusalDrainIsBounded) {
  const std::string refused = PktBuilder().line("command=push").flush().str();
  const std::string input = refused + std::string(3 * kDrainLimit, 'x');
  CountingStream stream(input, 4096);
  const auto result = serve_upload_pack_v2({dir_ / "src", 2}, stream);
  EXPECT_EQ(result.exit_status, 128);
  const auto texts = packet_texts(stream.output());
  ASSERT_FALSE(texts.empty());
  EXPECT_EQ(texts.back().substr(0, 4), "ERR ");
  EXPECT_GE(stream.consumed(), refused.size() + kDrainLimit);
  EXPECT_LE(stream.consumed(), refused.size() + kDrainLimit + 8192);
}

// A request that ends cleanly is not drained: nothing to wait for.
TEST_F(UploadPackV2, NoDrainAfterSuccess) {
  const std::string input = command("ls-refs").flush().str() + "0000";
  CountingStream stream(input + std::string(100, 'x'), 1);  // one byte a read: no read-ahead
  const auto result = serve_upload_pack_v2({dir_ / "src", 2}, stream);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(stream.consumed(), input.size());
}

TEST_F(UploadPackV2, Sha256RepositoryIsRefused) {
  sh("git init -q --bare --object-format=sha256 sha256.git");
  const auto result = serve("0000", "sha256.git");
  EXPECT_EQ(result.exit_status, 128);
  EXPECT_EQ(packet_texts(stream_->output()),
            (std::vector<std::string>{
                "ERR upload-pack: this server does not support SHA-256 repositories"}));
}

}  // namespace
}  // namespace gitgate::git::detail
