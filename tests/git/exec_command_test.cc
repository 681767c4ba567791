#include "git/exec_command.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gitgate::git {
namespace {

using namespace std::string_literals;

struct AcceptCase {
  std::string command;
  Service service;
  std::string path;
};

class ExecCommandAccepts : public testing::TestWithParam<AcceptCase> {};

TEST_P(ExecCommandAccepts, ParsesServiceAndPath) {
  const auto& c = GetParam();
  const auto result = parse_exec_command(c.command);
  ASSERT_TRUE(std::holds_alternative<ExecCommand>(result))
      << c.command << ": " << std::get<ExecError>(result).reason;
  EXPECT_EQ(std::get<ExecCommand>(result).service, c.service);
  EXPECT_EQ(std::get<ExecCommand>(result).path, c.path);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ExecCommandAccepts,
    testing::Values(
        AcceptCase{"git-upload-pack '/demo/repo.git'", Service::kUploadPack, "/demo/repo.git"},
        AcceptCase{"git-receive-pack '/demo/repo.git'", Service::kReceivePack, "/demo/repo.git"},
        AcceptCase{"git-upload-archive '/demo/repo.git'", Service::kUploadArchive,
                   "/demo/repo.git"},
        AcceptCase{"git upload-pack '/demo/repo.git'", Service::kUploadPack, "/demo/repo.git"},
        AcceptCase{"git receive-pack 'demo/repo'", Service::kReceivePack, "demo/repo"},
        AcceptCase{"git upload-archive 'demo/repo'", Service::kUploadArchive, "demo/repo"},
        AcceptCase{R"(git-upload-pack 'a'\''b')", Service::kUploadPack, "a'b"},
        AcceptCase{R"(git-upload-pack 'a'\!'b')", Service::kUploadPack, "a!b"},
        AcceptCase{R"(git-upload-pack ''\''')", Service::kUploadPack, "'"},
        AcceptCase{R"(git-upload-pack ''\!''\''')", Service::kUploadPack, "!'"},
        AcceptCase{R"(git-upload-pack 'x'\'''\''y')", Service::kUploadPack, "x''y"},
        AcceptCase{"git-upload-pack 'with space/repo.git'", Service::kUploadPack,
                   "with space/repo.git"},
        AcceptCase{"git-upload-pack 'quote\"inside'", Service::kUploadPack, "quote\"inside"},
        AcceptCase{"git-upload-pack 'back\\slash'", Service::kUploadPack, "back\\slash"},
        AcceptCase{"git-upload-pack demo/repo.git", Service::kUploadPack, "demo/repo.git"},
        AcceptCase{"git receive-pack /demo/repo.git", Service::kReceivePack, "/demo/repo.git"},
        AcceptCase{"git-upload-pack '~alice/repo.git'", Service::kUploadPack, "~alice/repo.git"},
        AcceptCase{"git-upload-pack 'caf\xc3\xa9.git'", Service::kUploadPack, "caf\xc3\xa9.git"},
        AcceptCase{"git-upload-pack '%2e%2e/x'", Service::kUploadPack, "%2e%2e/x"},
        AcceptCase{"git-upload-pack 'a-b'", Service::kUploadPack, "a-b"},
        AcceptCase{"git-upload-pack '" + std::string(kMaxRepositoryPathBytes, 'p') + "'",
                   Service::kUploadPack, std::string(kMaxRepositoryPathBytes, 'p')}));

struct RefuseCase {
  std::string command;
  std::string reason;
};

class ExecCommandRefuses : public testing::TestWithParam<RefuseCase> {};

TEST_P(ExecCommandRefuses, WithPreciseReason) {
  const auto& c = GetParam();
  const auto result = parse_exec_command(c.command);
  ASSERT_TRUE(std::holds_alternative<ExecError>(result))
      << c.command << " parsed as " << std::get<ExecCommand>(result).path;
  EXPECT_EQ(std::get<ExecError>(result).reason, c.reason) << c.command;
}

const std::string kLongName(100, 'x');

INSTANTIATE_TEST_SUITE_P(
    Table, ExecCommandRefuses,
    testing::Values(
        RefuseCase{"", "empty command"}, RefuseCase{"ls", "unknown command 'ls'"},
        RefuseCase{"ls -la /", "unknown command 'ls'"},
        RefuseCase{"git-upload-packx 'a'", "unknown command 'git-upload-packx'"},
        RefuseCase{"GIT-UPLOAD-PACK 'a'", "unknown command 'GIT-UPLOAD-PACK'"},
        RefuseCase{"git", "unknown command 'git'"},
        RefuseCase{"git status", "unknown command 'git status'"},
        RefuseCase{"git  upload-pack 'a'", "unknown command 'git '"},
        RefuseCase{"git-cvsserver 'a'", "unknown command 'git-cvsserver'"},
        RefuseCase{kLongName + " 'a'", "unknown command '" + kLongName.substr(0, 64) + "...'"},
        RefuseCase{"git-upload-pack", "missing repository path"},
        RefuseCase{"git-upload-pack ", "missing repository path"},
        RefuseCase{"git-upload-pack ''", "missing repository path"},
        RefuseCase{"git upload-pack", "missing repository path"},
        RefuseCase{"git-upload-pack 'a' 'b'", "unexpected arguments after the repository path"},
        RefuseCase{"git-upload-pack a b", "unexpected arguments after the repository path"},
        RefuseCase{"git-upload-pack 'a' ", "unexpected arguments after the repository path"},
        RefuseCase{"git-upload-pack  'a'", "unexpected spaces before the repository path"},
        RefuseCase{"git-upload-pack 'a", "unbalanced quotes in repository path"},
        RefuseCase{"git-upload-pack '", "unbalanced quotes in repository path"},
        RefuseCase{R"(git-upload-pack 'a'\''b)", "unbalanced quotes in repository path"},
        RefuseCase{"git-upload-pack 'a'b", "invalid quoting in repository path"},
        RefuseCase{R"(git-upload-pack 'a'\x'b')", "invalid quoting in repository path"},
        RefuseCase{R"(git-upload-pack 'a'\')", "invalid quoting in repository path"},
        RefuseCase{R"(git-upload-pack 'a'\)", "invalid quoting in repository path"},
        RefuseCase{"git-upload-pack a'b'", "invalid quoting in repository path"},
        RefuseCase{"git-upload-pack \"a\"", "invalid quoting in repository path"},
        RefuseCase{"git-upload-pack a\\b", "invalid quoting in repository path"},
        RefuseCase{"git-upload-pack '-a'", "repository path must not start with '-'"},
        RefuseCase{"git-upload-pack --help", "repository path must not start with '-'"},
        RefuseCase{"git-upload-pack 'a\0b'"s, "command contains a NUL byte"},
        RefuseCase{"\0"s, "command contains a NUL byte"},
        RefuseCase{"git-upload-pack 'a\nb'", "command contains control characters"},
        RefuseCase{"git-upload-pack 'a'\r", "command contains control characters"},
        RefuseCase{"git-upload-pack\t'a'", "command contains control characters"},
        RefuseCase{"git\tupload-pack 'a'", "command contains control characters"},
        RefuseCase{"git-upload-pack 'a\x7f'", "command contains control characters"},
        RefuseCase{"git-upload-pack '\x1b[31m'", "command contains control characters"},
        RefuseCase{"git-upload-pack '" + std::string(kMaxRepositoryPathBytes + 1, 'p') + "'",
                   "repository path is longer than 4096 bytes"},
        RefuseCase{"git-upload-pack '" + std::string(kMaxExecCommandBytes, 'p') + "'",
                   "command is longer than " + std::to_string(kMaxExecCommandBytes) + " bytes"}));

TEST(ServiceName, NamesEveryService) {
  EXPECT_EQ(service_name(Service::kUploadPack), "git-upload-pack");
  EXPECT_EQ(service_name(Service::kReceivePack), "git-receive-pack");
  EXPECT_EQ(service_name(Service::kUploadArchive), "git-upload-archive");
}

struct QuoteCase {
  std::string text;
  std::string quoted;
};

class SqQuote : public testing::TestWithParam<QuoteCase> {};

TEST_P(SqQuote, QuotesLikeGit) { EXPECT_EQ(sq_quote(GetParam().text), GetParam().quoted); }

// The examples from the comment above sq_quote_buf() in git's quote.c.
INSTANTIATE_TEST_SUITE_P(Table, SqQuote,
                         testing::Values(QuoteCase{"name", "'name'"}, QuoteCase{"a b", "'a b'"},
                                         QuoteCase{"a'b", R"('a'\''b')"},
                                         QuoteCase{"a!b", R"('a'\!'b')"}, QuoteCase{"", "''"},
                                         QuoteCase{"''", R"(''\'''\''')"}));

TEST(FormatExecCommand, NormalizesTheCommand) {
  EXPECT_EQ(format_exec_command(Service::kUploadPack, "/demo/repo.git"),
            "git-upload-pack '/demo/repo.git'");
  EXPECT_EQ(format_exec_command(Service::kReceivePack, "/it's.git"),
            R"(git-receive-pack '/it'\''s.git')");
}

// What a git client sends (service + sq_quote(path)) parses back to the same path.
TEST(ExecCommandRoundTrip, QuotedPathsParseBack) {
  const std::vector<std::string> paths = {"/demo/repo.git",
                                          "a'b",
                                          "a!b",
                                          "'",
                                          "!",
                                          "''!!''",
                                          "x y z",
                                          "\\'\\",
                                          "trailing'",
                                          "!lead",
                                          "%00%2f..",
                                          "caf\xc3\xa9",
                                          "a\"b",
                                          std::string(4096, '!')};
  for (const Service service :
       {Service::kUploadPack, Service::kReceivePack, Service::kUploadArchive}) {
    for (const auto& path : paths) {
      const auto result = parse_exec_command(format_exec_command(service, path));
      ASSERT_TRUE(std::holds_alternative<ExecCommand>(result)) << path;
      EXPECT_EQ(std::get<ExecCommand>(result).service, service);
      EXPECT_EQ(std::get<ExecCommand>(result).path, path);
    }
  }
}

}  // namespace
}  // namespace gitgate::git
