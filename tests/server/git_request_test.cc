// The repository path of the access log's action field: the resolved one, or the client's,
// normalized; never the raw bytes a client sent.
#include "server/git_request.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "git/repo_path.h"

namespace gitgate::server {
namespace {

namespace fs = std::filesystem;

class LoggedRepositoryPath : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "gitgate-gr-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    // What resolve_repository() takes for a bare repository.
    const fs::path repo = root_ / "demo" / "repo.git";
    fs::create_directories(repo / "objects");
    fs::create_directories(repo / "refs");
    std::ofstream(repo / "HEAD") << "ref: refs/heads/main\n";
    fs::create_directory_symlink("demo/repo.git", root_ / "alias.git");
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string logged(std::string_view requested) const {
    return logged_repository_path(git::resolve_repository(root_, requested), requested);
  }

  fs::path root_;
};

TEST_F(LoggedRepositoryPath, ResolvedPathsAreLoggedAsResolved) {
  for (const char* requested : {"/demo/repo.git", "demo/repo", "//demo///repo.git/", "/alias"}) {
    EXPECT_EQ(logged(requested), "/demo/repo.git") << requested;
  }
}

TEST_F(LoggedRepositoryPath, UnresolvedPathsAreNormalized) {
  struct Case {
    std::string requested;
    std::string logged;
  };
  const std::vector<Case> cases = {
      {"/demo/nope.git", "/demo/nope.git"},
      {"demo//nope.git/", "/demo/nope.git"},
      {"", "/"},
      {"///", "/"},
      {"/../x.git", "/../x.git"},  // refused, logged as asked (the log shows the attempt)
      {"/d\xc2\x85x\xe2\x80\xa8\xff", "/d\xc2\x85x\xe2\x80\xa8\xff"},  // the log escapes them
      {"/" + std::string(300, 'a'), "/" + std::string(255, 'a') + "..."},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(logged(c.requested), c.logged) << c.requested;
  }
}

}  // namespace
}  // namespace gitgate::server
