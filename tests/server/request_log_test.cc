#include "server/request_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "net/socket_address.h"
#include "server/ssh_channel_stream.h"

namespace gitgate::server {
namespace {

namespace fs = std::filesystem;

// Fields 8 (status) and 11 (labels) of each o-line in the log.
struct EndLine {
  std::string request_id;
  std::string status;
  std::string bytes_read;
  std::string labels;
};

class RequestLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::path(::testing::TempDir()) /
            ("gitgate_request_log_test_" + std::to_string(getpid()) + ".log");
    fs::remove(path_);
    log_.emplace(path_.string());
    ASSERT_TRUE(log_->open());
  }
  void TearDown() override { fs::remove(path_); }

  RequestLogContext context() { return RequestLogContext{*log_, ids_, in_flight_}; }

  static logging::AccessRecord record() {
    logging::AccessRecord r;
    r.client = *net::SocketAddress::parse_ip("203.0.113.9");
    r.user = "alice";
    r.action = "SSH - git-upload-pack '/demo/repo.git'";
    r.session_id = "17i1kgv";
    r.labels = {"ssh:user:id:2"};  // known at the start
    return r;
  }

  std::vector<EndLine> end_lines() const {
    std::vector<EndLine> out;
    std::ifstream in(path_);
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> fields;
      std::istringstream split(line);
      for (std::string field; std::getline(split, field, '|');) {
        fields.push_back(field.size() >= 2 ? field.substr(1, field.size() - 2) : field);
      }
      if (fields.size() >= 11 && fields[2].starts_with("o@")) {
        out.push_back({fields[2], fields[7], fields[8], fields[10]});
      }
    }
    return out;
  }

  fs::path path_;
  std::optional<logging::AccessLog> log_;
  logging::RequestIds ids_{"N1", false};
  InFlightRequests in_flight_;
  SshChannelStream stream_{nullptr, std::chrono::seconds(1)};  // only its counters are read
};

TEST_F(RequestLogTest, FinishWritesOneEndLine) {
  {
    LoggedRequest request(context(), record(), stream_);
    request.labels().add("protocol:2");
    request.labels().add("clone");
    request.labels().add("cache:hit");
    request.finish(0);
    request.labels().add("again");
    request.finish(128);  // once only
  }
  const auto lines = end_lines();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].status, "0");
  // The record's labels and those recorded since, in Bitbucket's order.
  EXPECT_EQ(lines[0].labels, "cache:hit, clone, protocol:2, ssh:user:id:2");
  EXPECT_EQ(in_flight_.drain(), 0U);  // the finished request left the set
}

TEST_F(RequestLogTest, DrainEndsRequestsInFlightAndTheirFinishWritesNothing) {
  {
    LoggedRequest request(context(), record(), stream_);
    EXPECT_EQ(in_flight_.drain(), 1U);
    request.finish(0);
  }
  const auto lines = end_lines();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].status, std::to_string(kExitDrained));
  EXPECT_EQ(lines[0].labels, "drained, ssh:user:id:2");
}

// What the request was known to be when the drain ended it (a clone whose cached pack was
// streaming) stays in its o-line; what it records afterwards does not change the line.
TEST_F(RequestLogTest, ADrainedRequestKeepsTheLabelsItHadRecorded) {
  {
    LoggedRequest request(context(), record(), stream_);
    request.labels().add("protocol:2");
    request.labels().add("clone");
    request.labels().add("cache:hit");
    EXPECT_EQ(in_flight_.drain(), 1U);
    request.labels().add("shallow");
    request.finish(0);
  }
  const auto lines = end_lines();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].status, std::to_string(kExitDrained));
  EXPECT_EQ(lines[0].labels, "cache:hit, clone, drained, protocol:2, ssh:user:id:2");
}

TEST_F(RequestLogTest, ARequestUnwoundWithoutFinishStillGetsItsEndLine) {
  { LoggedRequest request(context(), record(), stream_); }
  {
    LoggedRequest request(context(), record(), stream_);
    request.labels().add("push");
    request.labels().add("protocol:0");
  }
  const auto lines = end_lines();
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].status, "128");
  EXPECT_EQ(lines[0].labels, "error, ssh:user:id:2");
  EXPECT_EQ(lines[1].status, "128");
  EXPECT_EQ(lines[1].labels, "error, protocol:0, push, ssh:user:id:2");
}

// A push's o-line counts the pack bytes as read, not the channel's bytes (0 here); without
// the count, the channel's.
TEST_F(RequestLogTest, FinishMayCountTheBytesReadItself) {
  {
    LoggedRequest push(context(), record(), stream_);
    push.finish(0, uint64_t{123456});
    LoggedRequest clone(context(), record(), stream_);
    clone.finish(0);
  }
  const auto lines = end_lines();
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].bytes_read, "123456");
  EXPECT_EQ(lines[1].bytes_read, "0");
}

// The hooks' GITGATE_REQUEST_ID is the id of the log lines without their i/o mark.
TEST_F(RequestLogTest, RequestIdIsTheLinesIdWithoutTheirMark) {
  std::string id;
  {
    LoggedRequest request(context(), record(), stream_);
    id = request.request_id();
    request.finish(0);
  }
  ASSERT_GT(id.size(), 1U);
  EXPECT_EQ(id[0], '@');
  EXPECT_TRUE(id.starts_with("@N1x")) << id;
  const auto lines = end_lines();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].request_id, "o" + id);
}

}  // namespace
}  // namespace gitgate::server
