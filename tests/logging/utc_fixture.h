// Access-log lines and request ids carry local time; tests write what they expect in UTC,
// so these fixtures run with TZ=UTC and put the zone back afterwards.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace gitgate::logging::fixtures {

class UtcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* zone = std::getenv("TZ")) {
      saved_zone_ = zone;
    }
    setenv("TZ", "UTC", 1);
    tzset();
  }
  void TearDown() override {
    if (saved_zone_) {
      setenv("TZ", saved_zone_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  std::optional<std::string> saved_zone_;
};

}  // namespace gitgate::logging::fixtures
