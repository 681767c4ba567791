#include "logging/diagnostics.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <regex>
#include <sstream>
#include <string>

namespace gitgate::logging {
namespace {

using net::SocketAddress;

class DiagnosticsTest : public testing::Test {
 protected:
  void TearDown() override { init_diagnostics("info"); }  // back to stderr

  std::ostringstream out_;
  spdlog::sink_ptr sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
};

TEST_F(DiagnosticsTest, OneLineWithTimeLevelAndMessage) {
  ASSERT_TRUE(init_diagnostics("info", sink_));
  diagnostics().warn("[session {}] refused", "17i1kgv");
  EXPECT_TRUE(std::regex_match(
      out_.str(),
      std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARN \[session 17i1kgv\] refused\n)")))
      << out_.str();
}

TEST_F(DiagnosticsTest, LevelNamesAndFiltering) {
  ASSERT_TRUE(init_diagnostics("debug", sink_));
  diagnostics().trace("hidden");
  diagnostics().debug("d");
  diagnostics().info("i");
  diagnostics().error("e");
  diagnostics().critical("c");
  const std::string text = out_.str();
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  EXPECT_NE(text.find(" DEBUG d\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" INFO i\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" ERROR e\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" FATAL c\n"), std::string::npos) << text;
}

TEST_F(DiagnosticsTest, SpdlogDefaultLoggerIsTheSame) {
  ASSERT_TRUE(init_diagnostics("warn", sink_));
  spdlog::info("not shown");
  spdlog::warn("shown");
  EXPECT_EQ(out_.str().find("not shown"), std::string::npos);
  EXPECT_NE(out_.str().find(" WARN shown\n"), std::string::npos) << out_.str();
}

TEST_F(DiagnosticsTest, UnknownLevelMeansInfo) {
  EXPECT_FALSE(init_diagnostics("loud", sink_));
  diagnostics().debug("no");
  diagnostics().info("yes");
  EXPECT_EQ(out_.str().find(" DEBUG no"), std::string::npos);
  EXPECT_NE(out_.str().find(" INFO yes\n"), std::string::npos) << out_.str();
}

TEST(ConnectionAddresses, NamesClientAndLoadBalancer) {
  const auto client = *SocketAddress::parse_ip("203.0.113.9", 50022);
  EXPECT_EQ(connection_addresses(client, std::nullopt), "client=203.0.113.9");
  EXPECT_EQ(connection_addresses(client, SocketAddress::parse_ip("10.0.0.5", 7999)),
            "client=203.0.113.9 lb=10.0.0.5");
  EXPECT_EQ(connection_addresses(*SocketAddress::parse_ip("2001:db8:0:0:0:0:0:1"),
                                 SocketAddress::parse_ip("::1")),
            "client=2001:db8::1 lb=::1");
  SocketAddress unix_peer;
  unix_peer.family = SocketAddress::Family::kUnix;
  unix_peer.unix_path = "/run/x\nFAKE";
  EXPECT_EQ(connection_addresses(client, unix_peer), "client=203.0.113.9 lb=unix:/run/x\\x0aFAKE");
}

TEST(Printable, EscapesWhatCouldForgeALine) {
  struct Case {
    std::string text;
    size_t max;
    std::string expected;
  };
  const Case cases[] = {
      {"SSH-2.0-OpenSSH_9.2p1", 200, "SSH-2.0-OpenSSH_9.2p1"},
      {"a\nb", 200, "a\\x0ab"},
      {"tab\there", 200, "tab\\x09here"},
      {"back\\slash", 200, "back\\x5cslash"},
      {"\x7f\xff", 200, "\\x7f\\xff"},
      {std::string("nul\0", 4), 200, "nul\\x00"},
      {"abcdef", 3, "abc..."},
      {"abc", 3, "abc"},
      {"", 200, ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(printable(c.text, c.max), c.expected) << c.text;
  }
}

}  // namespace
}  // namespace gitgate::logging
