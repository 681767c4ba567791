// serve_upload_archive against the real git client (git archive --remote=DIR --exec=
// upload_archive_stdio), its output compared with what `git archive` writes locally.
//
// Byte for byte: a tar differs from git's only in how libarchive writes the header's
// numbers (six octal digits, a space and a NUL for the mode, uid and gid where git writes
// seven digits and a NUL; a space after size and mtime, a NUL then a space after the
// checksum where git writes a NUL) and in git's pax global header holding the commit id,
// which libarchive cannot write. The tests hold every other byte equal: each header's
// fields, every number's value, every file's blocks. A tgz is git's gzip of that tar.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/git/git_fixture.h"

namespace gitgate::git {
namespace {

struct TarRecord {
  std::string header;  // 512 bytes, numeric fields zeroed
  std::vector<uint64_t> numbers;
  std::string body;
};

// ustar numeric fields (offset, width): mode uid gid size mtime chksum devmajor devminor.
constexpr std::array<std::pair<size_t, size_t>, 8> kNumeric{
    {{100, 8}, {108, 8}, {116, 8}, {124, 12}, {136, 12}, {148, 8}, {329, 8}, {337, 8}}};
constexpr size_t kChecksumField = 5;

uint64_t octal(std::string_view field) {
  uint64_t value = 0;
  for (const char c : field) {
    if (c >= '0' && c <= '7') {
      value = value * 8 + static_cast<uint64_t>(c - '0');
    }
  }
  return value;
}

// The records of a tar up to its end-of-archive block; git's global header is kept apart.
std::vector<TarRecord> tar_records(const std::string& tar, std::string* global = nullptr) {
  std::vector<TarRecord> records;
  for (size_t at = 0; at + 512 <= tar.size();) {
    std::string header = tar.substr(at, 512);
    if (header == std::string(512, '\0')) {
      break;
    }
    const uint64_t size = octal(std::string_view(header).substr(124, 12));
    const size_t padded = (size + 511) / 512 * 512;
    std::string body = tar.substr(at + 512, padded);
    at += 512 + padded;
    if (header[156] == 'g') {
      if (global != nullptr) {
        *global = body.substr(0, size);
      }
      continue;
    }
    TarRecord record;
    for (const auto& [offset, width] : kNumeric) {
      record.numbers.push_back(octal(std::string_view(header).substr(offset, width)));
      header.replace(offset, width, width, '\0');
    }
    record.numbers[kChecksumField] = 0;  // over the formatting: differs with it
    record.header = header;
    record.body = body;
    records.push_back(std::move(record));
  }
  return records;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// git's internal gzip (archive-tar.c, git_deflate_init_gzip): zlib, windowBits 15 + 16.
std::string git_gzip(const std::string& data, int level) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

class UploadArchiveWithGit : public testing::GitFixture {
 protected:
  void SetUp() override {
    GitFixture::SetUp();
    setenv("TZ", "UTC", 1);  // zip's times are local times, in git and in libarchive
    make_sample_repository();
    // An executable, a symbolic link, a submodule entry and a name that is not ASCII, as
    // archive-tar.c writes each.
    sh("cd src && printf '#!/bin/sh\\n' > d/run && chmod +x d/run && ln -s f1 link && "
       "echo c > caf\303\251 && "
       "git add -A && git update-index --add --cacheinfo 160000,$(git rev-parse HEAD~1),sub && "
       "git commit -qm modes && git tag -a v2 -m v2");
    sh("git clone -q --bare src server.git");
  }

  // `git archive` of the server's repository through upload_archive_stdio into file.
  testing::CommandResult remote(const std::string& args, const std::string& file) {
    return testing::run(fmt::format("cd {} && (git archive --remote={} --exec={} {} > {})",
                                    testing::quote(dir_), testing::quote(dir_ / "server.git"),
                                    UPLOAD_ARCHIVE_STDIO, args, file));
  }
  void local(const std::string& args, const std::string& file) {
    sh(fmt::format("git -C src archive {} > {}", args, file));
  }
  std::string bytes(const std::string& file) { return read_file(dir_ / file); }
};

// Entry for entry, the tar headers and file blocks are git's but for the numbers'
// formatting; git's global header carries the commit the tar has the time of.
TEST_F(UploadArchiveWithGit, TarEqualsGitsButForTheNumbersFormatting) {
  const std::vector<std::string> requests = {
      "v2",
      "--format=tar v2",
      "--prefix=p/ v2",
      "--prefix=x- v2",
      "--prefix=a//b// v1",
      "v2 d",
      "v2 d/e/g1 f2",
      "v2 ./d/../f1 sub",
      "nested",
      "main",
      "light",
      "HEAD",
      "refs/tags/v2",
      "side -- s",
  };
  for (const std::string& request : requests) {
    ASSERT_EQ(remote(request, "ours.tar").status, 0) << request;
    local(request, "git.tar");
    std::string global;
    const auto ours = tar_records(bytes("ours.tar"));
    const auto gits = tar_records(bytes("git.tar"), &global);
    ASSERT_EQ(ours.size(), gits.size()) << request;
    ASSERT_FALSE(ours.empty()) << request;
    for (size_t i = 0; i < ours.size(); ++i) {
      EXPECT_EQ(ours[i].header, gits[i].header) << request << " entry " << i;
      EXPECT_EQ(ours[i].numbers, gits[i].numbers) << request << " entry " << i;
      EXPECT_EQ(ours[i].body, gits[i].body) << request << " entry " << i;
    }
    EXPECT_EQ(bytes("ours.tar").size() % 10240, 0U) << request;  // archive-tar.c BLOCKSIZE
    EXPECT_NE(global.find("comment="), std::string::npos) << request;
  }
}

// A path over ustar's 100-byte name field: git splits it into prefix and name at the last
// '/' that fits, libarchive at the first; over 255 bytes both write a pax header, named
// differently. tar lists the same entries from both.
TEST_F(UploadArchiveWithGit, LongPathsListAsGits) {
  const std::string forty(40, 'e');
  const std::string deep = forty + "/" + forty + "/" + forty;  // 122 bytes
  const std::string deeper = deep + "/" + deep;                // 245 bytes
  sh(
      fmt::format("cd src && mkdir -p {1} && echo a > {0}/{2} && echo b > {1}/{2} && "
                  "ln -s {3} {0}/link && git add -A && git commit -qm long && git tag long",
                  deep, deeper, std::string(30, 'g'), std::string(120, 't')));
  sh("git -C server.git fetch -q ../src 'refs/tags/*:refs/tags/*'");
  for (const std::string& request :
       {std::string("long"), "long " + deep, std::string("--format=tgz long")}) {
    ASSERT_EQ(remote(request, "ours").status, 0) << request;
    local(request, "gits");
    EXPECT_EQ(sh("tar tvf ours 2>/dev/null | cat"), sh("tar tvf gits 2>/dev/null | cat"))
        << request;
  }
}

// archive-tar.c: a tgz is the tar through zlib's gzip at the asked level (6 by default).
TEST_F(UploadArchiveWithGit, TgzIsGitsGzipOfTheTar) {
  ASSERT_EQ(remote("--prefix=p/ v2", "ours.tar").status, 0);
  const std::string tar = bytes("ours.tar");
  for (const auto& [args, level] :
       std::vector<std::pair<std::string, int>>{{"--format=tgz", 6},
                                                {"--format=tar.gz", 6},
                                                {"--format=tgz -1", 1},
                                                {"--format=tgz -9", 9},
                                                {"--format=tgz -0", 0}}) {
    ASSERT_EQ(remote(args + " --prefix=p/ v2", "ours.tgz").status, 0) << args;
    EXPECT_EQ(bytes("ours.tgz"), git_gzip(tar, level)) << args;
  }
  // And git's own tgz is the same gzip of git's tar: the comparison above is git's.
  local("v2", "git.tar");
  local("--format=tgz v2", "git.tgz");
  EXPECT_EQ(bytes("git.tgz"), git_gzip(bytes("git.tar"), 6));
}

// archive-zip.c has a layout of its own (stores what deflate does not shrink, a commit id
// comment); compared as unzip sees it: names, contents, times, executable and link modes.
TEST_F(UploadArchiveWithGit, ZipExtractsAsGits) {
  const std::string lister =
      "python3 -c 'import sys,zipfile\n"
      "for i in zipfile.ZipFile(sys.argv[1]).infolist():\n"
      "  m=i.external_attr>>16\n"
      "  z=zipfile.ZipFile(sys.argv[1]).read(i)\n"
      "  print(i.filename,i.date_time,oct(m) if m&0o111 and not i.is_dir() else \"-\",z)' ";
  for (const std::string& request : {"--format=zip v2", "--format=zip -0 --prefix=p/ v2 d",
                                     "--format=zip -9 v1", "--format=zip --prefix=x- main f1"}) {
    ASSERT_EQ(remote(request, "ours.zip").status, 0) << request;
    local(request, "git.zip");
    EXPECT_EQ(sh(lister + "ours.zip"), sh(lister + "git.zip")) << request;
  }
}

TEST_F(UploadArchiveWithGit, ListsTheRemoteFormats) {
  const auto result = remote("--list", "formats");
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(bytes("formats"), "tar\ntgz\ntar.gz\nzip\n");
}

TEST_F(UploadArchiveWithGit, VerboseNamesEntriesOnStderr) {
  const auto result = remote("-v v2 d/e", "ours.tar");
  ASSERT_EQ(result.status, 0) << result.output;
  // recv_sideband() pads each progress line with spaces, to overwrite what was there.
  EXPECT_NE(result.output.find("remote: d/ "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("remote: d/e/g3 "), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("remote: f1"), std::string::npos) << result.output;
}

// "<ref>:<path>" names a tree: no commit, so git dates it now and writes no commit id.
TEST_F(UploadArchiveWithGit, TreeOfARefPath) {
  ASSERT_EQ(remote("v2:d", "ours.tar").status, 0);
  local("v2:d", "git.tar");
  std::string global = "unset";
  const auto ours = tar_records(bytes("ours.tar"));
  const auto gits = tar_records(bytes("git.tar"), &global);
  EXPECT_EQ(global, "unset");
  ASSERT_EQ(ours.size(), gits.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i].header, gits[i].header);
    EXPECT_EQ(ours[i].body, gits[i].body);
  }
}

// What git's upload-archive refuses, refused with its words, and no archive.
TEST_F(UploadArchiveWithGit, RefusesWhatGitRefuses) {
  const std::string commit = sh("git -C src rev-parse v2^{commit}").substr(0, 40);
  struct Refusal {
    std::string args;
    std::string message;
  };
  for (const Refusal& r : std::vector<Refusal>{
           {commit, "no such ref: " + commit},
           {commit.substr(0, 10), "no such ref"},
           {"v2~1", "no such ref: v2~1"},
           {"v2^{tree}", "no such ref"},
           {"nope", "no such ref: nope"},
           {"v2:nope", "not a valid object name: v2:nope"},
           {"v2:f1", "not a tree object"},
           {"v2 nope", "pathspec 'nope' did not match any files"},
           {"v2 ../x", "outside repository"},
           {"v2 '*.c'", "wildcards are not supported"},
           {"--add-file=f1 v2", "'--add-file' and '--remote'"},
           {"--format=7z v2", "Unknown archive format '7z'"},
           {"-9 v2", "Argument not supported for format 'tar': -9"},
       }) {
    const auto result = remote(r.args, "out");
    EXPECT_EQ(result.status, 128) << r.args << ": " << result.output;
    EXPECT_NE(result.output.find("fatal: git archive: NACK "), std::string::npos)
        << r.args << ": " << result.output;
    EXPECT_NE(result.output.find(r.message), std::string::npos) << r.args << ": " << result.output;
    EXPECT_EQ(bytes("out"), "") << r.args;
  }
}

// uploadArchive.allowUnreachable lets a raw object id through, as in git.
TEST_F(UploadArchiveWithGit, AllowUnreachableTakesAnyObjectName) {
  sh("git -C server.git config uploadArchive.allowUnreachable true");
  const std::string commit = sh("git -C src rev-parse v1^{commit}").substr(0, 40);
  ASSERT_EQ(remote(commit, "ours.tar").status, 0);
  local(commit, "git.tar");
  const auto ours = tar_records(bytes("ours.tar"));
  const auto gits = tar_records(bytes("git.tar"));
  ASSERT_EQ(ours.size(), gits.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i].header, gits[i].header);
    EXPECT_EQ(ours[i].numbers, gits[i].numbers);
  }
}

}  // namespace
}  // namespace gitgate::git
