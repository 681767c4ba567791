#include "git/protocol/upload_pack_io.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/git/memory_stream.h"
#include "tests/testing/pktline_builder.h"

namespace gitgate::git::detail {
namespace {

using gitgate::testing::packet_texts;
using namespace std::chrono_literals;

// While the pack is being computed (here: a sleep), a Keepalive sends empty band-1
// packets ("0005\1"), as git's upload-pack does, and stops when it is destroyed.
TEST(Keepalive, EmptyBandOnePacketsWhileIdle) {
  struct Case {
    pktline::SideBand mode;
    bool expect_keepalives;
  };
  for (const Case& c :
       {Case{pktline::SideBand::kSideBand64k, true}, Case{pktline::SideBand::kSideBand, true},
        Case{pktline::SideBand::kNone, false}}) {
    testing::MemoryStream stream("");
    Output out(stream);
    out.set_side_band(c.mode);
    out.begin_pack();
    {
      Keepalive keepalive(out, 20ms);
      std::this_thread::sleep_for(150ms);
    }
    const std::string before = stream.output();
    std::this_thread::sleep_for(60ms);
    EXPECT_EQ(stream.output(), before);  // nothing after the Keepalive is gone
    if (!c.expect_keepalives) {
      EXPECT_EQ(before, "");
      continue;
    }
    const auto texts = packet_texts(before);
    EXPECT_GE(texts.size(), 3U);
    EXPECT_LE(texts.size(), 9U);
    for (const std::string& text : texts) {
      EXPECT_EQ(text, "\1");
    }
  }
}

// Output written by the pack writer resets the idle clock: no keepalive between
// writes that come more often than the interval.
TEST(Keepalive, NoneWhileDataFlows) {
  testing::MemoryStream stream("");
  Output out(stream);
  out.set_side_band(pktline::SideBand::kSideBand64k);
  out.set_progress(true);
  out.begin_pack();
  {
    Keepalive keepalive(out, 80ms);
    for (int i = 0; i < 10; ++i) {
      out.progress("Counting objects: " + std::to_string(i) + "\r");
      std::this_thread::sleep_for(15ms);
    }
  }
  const auto texts = packet_texts(stream.output());
  ASSERT_EQ(texts.size(), 10U);
  for (const std::string& text : texts) {
    EXPECT_EQ(text.substr(0, 18), "\2Counting objects:");
  }
}

// The flush that ends the pack ends the response: a Keepalive still alive after it (while the
// pack cache commits its entry) sends nothing more, where a stray "0005\1" would be read as
// the next response's first packet or kill the server with SIGPIPE on a closed pipe (seen
// as Fetch.ClientAcceptsKeepalives failing with "remote transport reported error").
TEST(Keepalive, NoneAfterThePacksFlush) {
  testing::MemoryStream stream("");
  Output out(stream);
  out.set_side_band(pktline::SideBand::kSideBand64k);
  out.begin_pack();
  {
    Keepalive keepalive(out, 5ms);
    ASSERT_TRUE(out.end_pack());
    std::this_thread::sleep_for(60ms);  // a dozen intervals idle after the flush
  }
  EXPECT_EQ(packet_texts(stream.output()), (std::vector<std::string>{"0000"}));
  // A new pack section (another v2 fetch in the session) has keepalives again.
  out.begin_pack();
  {
    Keepalive keepalive(out, 5ms);
    std::this_thread::sleep_for(60ms);
  }
  const auto texts = packet_texts(stream.output());
  ASSERT_GE(texts.size(), 2U);
  EXPECT_EQ(texts[1], "\1");
}

}  // namespace
}  // namespace gitgate::git::detail
