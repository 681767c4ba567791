#include "server/health.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace gitgate::server {
namespace {

namespace fs = std::filesystem;

class HealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("gitgate_health_test_" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "repos");
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
};

TEST_F(HealthTest, AliveWhileTheLoopBeats) {
  const Health::Clock::time_point start{std::chrono::hours(1)};
  Health health(root_ / "repos", start);
  EXPECT_TRUE(health.alive(start));
  EXPECT_TRUE(health.alive(start + Health::kStaleAfter - std::chrono::milliseconds(1)));
  EXPECT_FALSE(health.alive(start + Health::kStaleAfter));
  health.beat(start + std::chrono::seconds(10));
  EXPECT_TRUE(health.alive(start + std::chrono::seconds(12)));
  EXPECT_FALSE(health.alive(start + std::chrono::seconds(16)));
}

TEST_F(HealthTest, ReadyUntilDrainingForGood) {
  Health health(root_ / "repos");
  EXPECT_EQ(health.not_ready_reason(), "");
  health.start_draining();
  EXPECT_EQ(health.not_ready_reason(), "draining");
  EXPECT_TRUE(health.draining());
}

// Mode bits would not stop root (tests may run as root), so the root is taken away the
// way a lost mount or a bad deploy does: renamed, then back.
TEST_F(HealthTest, NotReadyWhileTheRepositoriesRootIsGone) {
  Health health(root_ / "repos");
  fs::rename(root_ / "repos", root_ / "elsewhere");
  EXPECT_EQ(health.not_ready_reason(),
            "repositories directory unreadable: No such file or directory");
  fs::rename(root_ / "elsewhere", root_ / "repos");
  EXPECT_EQ(health.not_ready_reason(), "");
  fs::remove(root_ / "repos");
  std::ofstream(root_ / "repos") << "a file, not a directory";
  EXPECT_EQ(health.not_ready_reason(), "repositories directory unreadable: Not a directory");
}

}  // namespace
}  // namespace gitgate::server
