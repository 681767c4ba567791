#include "git/receive/report_status.h"

#include <gtest/gtest.h>

#include "tests/testing/pktline_builder.h"

namespace gitgate::git::detail {
namespace {

using gitgate::testing::PktBuilder;

PushCommand command(std::string ref, std::string error = {}) {
  PushCommand c;
  c.command.ref = std::move(ref);
  c.error = std::move(error);
  return c;
}

TEST(ReportStatus, OkAndNgLines) {
  const std::vector<PushCommand> commands = {command("refs/heads/main"),
                                             command("refs/heads/x", "non-fast-forward")};
  EXPECT_EQ(encode_report(std::nullopt, commands), PktBuilder()
                                                       .line("unpack ok")
                                                       .line("ok refs/heads/main")
                                                       .line("ng refs/heads/x non-fast-forward")
                                                       .flush()
                                                       .str());
}

TEST(ReportStatus, UnpackErrorAndReasonsOnOneLine) {
  const std::vector<PushCommand> commands = {command("refs/heads/main", "unpacker error")};
  EXPECT_EQ(encode_report(std::string("object 1234: bad\nline"), commands),
            PktBuilder()
                .line("unpack object 1234: bad line")
                .line("ng refs/heads/main unpacker error")
                .flush()
                .str());
}

TEST(PushCommand, FirstReasonStays) {
  PushCommand c = command("refs/heads/a");
  EXPECT_TRUE(c.ready());
  c.refuse("hook declined");
  c.refuse("atomic push failure");
  EXPECT_EQ(c.error, "hook declined");
}

}  // namespace
}  // namespace gitgate::git::detail
