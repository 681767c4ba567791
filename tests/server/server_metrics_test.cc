#include "server/server_metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace gitgate::server {
namespace {

using Labels = std::map<std::string, std::string>;

// The value of the sample name{labels}, or -1 when there is none.
double value(const ServerMetrics& metrics, const std::string& name, const Labels& labels = {}) {
  for (const metrics::MetricFamily& family : metrics.registry().collect()) {
    for (const metrics::Sample& sample : family.samples) {
      Labels found;
      for (const metrics::Label& label : sample.labels) {
        found[label.name] = label.value;
      }
      if (sample.name == name && found == labels) {
        return sample.value;
      }
    }
  }
  return -1;
}

logging::AccessRecord record(std::string action, std::vector<std::string> labels) {
  logging::AccessRecord r;
  r.action = std::move(action);
  r.labels = std::move(labels);
  return r;
}

TEST(ServerMetricsTest, CommandComesFromTheAccessLogLabels) {
  const std::string upload = "SSH - git-upload-pack '/demo/repo.git'";
  const std::string receive = "SSH - git-receive-pack '/demo/repo.git'";
  const struct {
    std::string action;
    std::vector<std::string> labels;
    std::string_view command;
  } cases[] = {
      {upload, {"clone", "protocol:2", "cache:hit", "ssh:user:id:2"}, "clone"},
      // As the o-line has them (sorted): the command is found wherever it stands.
      {upload, {"cache:hit", "clone", "protocol:2", "ssh:user:id:2"}, "clone"},
      {upload, {"cache:miss", "clone", "drained", "protocol:2", "ssh:user:id:2"}, "clone"},
      {upload, {"fetch", "protocol:0", "shallow", "ssh:user:id:2"}, "fetch"},
      {upload, {"protocol:2", "refs", "ssh:user:id:2"}, "refs"},
      {receive, {"atomic", "protocol:0", "push", "rejected", "ssh:user:id:2"}, "push"},
      {upload, {"shallow", "fetch", "protocol:2", "ssh:user:id:2"}, "fetch"},
      {upload, {"refs", "protocol:0", "ssh:user:id:2"}, "refs"},
      {receive, {"push", "ssh:user:id:2"}, "push"},
      {receive, {"drained", "ssh:user:id:2"}, "push"},     // a receive-pack is a push, whatever
      {upload, {"drained", "ssh:user:id:2"}, "other"},     // ended before the protocol said
      {upload, {"protocol:2", "ssh:user:id:2"}, "other"},  // refused: no such repository
      {upload, {"error", "ssh:user:id:2"}, "other"},
      // A user name or path never decides (nor becomes) the label.
      {"SSH - git-upload-pack '/clone/fetch.git'", {"ssh:user:id:7"}, "other"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ServerMetrics::command_of(record(c.action, c.labels)), c.command) << c.action;
  }
}

TEST(ServerMetricsTest, StatusIsOneOfTheDocumentedOnes) {
  EXPECT_EQ(ServerMetrics::status_of(0), "0");
  EXPECT_EQ(ServerMetrics::status_of(1), "1");
  EXPECT_EQ(ServerMetrics::status_of(128), "128");
  EXPECT_EQ(ServerMetrics::status_of(143), "143");
  EXPECT_EQ(ServerMetrics::status_of(2), "other");
  EXPECT_EQ(ServerMetrics::status_of(-1), "other");
}

TEST(ServerMetricsTest, EverySeriesExistsFromTheStart) {
  const ServerMetrics metrics;
  EXPECT_EQ(value(metrics, "gitgate_connections_total"), 0);
  for (const metrics::MetricFamily& family : metrics.registry().collect()) {
    if (family.name == "gitgate_build_info") {
      ASSERT_EQ(family.samples.size(), 1U);
      EXPECT_EQ(family.samples[0].value, 1);
      ASSERT_EQ(family.samples[0].labels.size(), 1U);
      EXPECT_EQ(family.samples[0].labels[0].name, "version");
      EXPECT_NE(family.samples[0].labels[0].value, "unknown");  // CMake's project version
    }
  }
  for (const auto command : ServerMetrics::kCommands) {
    for (const auto status : ServerMetrics::kStatuses) {
      EXPECT_EQ(value(metrics, "gitgate_requests_total",
                      {{"command", std::string(command)}, {"status", std::string(status)}}),
                0);
    }
    EXPECT_EQ(value(metrics, "gitgate_request_duration_seconds_count",
                    {{"command", std::string(command)}}),
              0);
  }
}

TEST(ServerMetricsTest, RequestEndCountsCommandStatusDurationAndBytes) {
  ServerMetrics metrics;
  logging::AccessRecord clone =
      record("SSH - git-upload-pack '/demo/repo.git'", {"clone", "ssh:user:id:2"});
  clone.start = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
  clone.end = clone.start + std::chrono::milliseconds(300);
  clone.bytes_read = 700;
  clone.bytes_written = 22705297;
  metrics.request_ended(clone);
  clone.exit_status = 128;
  metrics.request_ended(clone);
  EXPECT_EQ(value(metrics, "gitgate_requests_total", {{"command", "clone"}, {"status", "0"}}), 1);
  EXPECT_EQ(value(metrics, "gitgate_requests_total", {{"command", "clone"}, {"status", "128"}}), 1);
  EXPECT_EQ(value(metrics, "gitgate_request_duration_seconds_bucket",
                  {{"command", "clone"}, {"le", "0.25"}}),
            0);
  EXPECT_EQ(value(metrics, "gitgate_request_duration_seconds_bucket",
                  {{"command", "clone"}, {"le", "0.5"}}),
            2);
  EXPECT_NEAR(value(metrics, "gitgate_request_duration_seconds_sum", {{"command", "clone"}}), 0.6,
              1e-9);
  EXPECT_EQ(value(metrics, "gitgate_bytes_received_total"), 1400);
  EXPECT_EQ(value(metrics, "gitgate_bytes_sent_total"), 2.0 * 22705297);
}

TEST(ServerMetricsTest, RefusalsByReason) {
  ServerMetrics metrics;
  const struct {
    Admission::Verdict verdict;
    const char* reason;
  } cases[] = {
      {Admission::Verdict::kTooManyConnections, "max_connections"},
      {Admission::Verdict::kTooManyUnauthenticated, "max_unauthenticated"},
      {Admission::Verdict::kTooManyFromSource, "max_per_source"},
      {Admission::Verdict::kTooManyUnauthenticatedFromSource, "max_unauthenticated_per_source"},
      {Admission::Verdict::kEarlyDrop, "early_drop"},
  };
  for (const auto& c : cases) {
    metrics.connection_refused(c.verdict);
    EXPECT_EQ(value(metrics, "gitgate_connections_refused_total", {{"reason", c.reason}}), 1)
        << c.reason;
  }
  metrics.connection_refused(Admission::Verdict::kAdmitted);  // not a refusal
  metrics.connection_refused_no_thread();
  EXPECT_EQ(value(metrics, "gitgate_connections_refused_total", {{"reason", "no_thread"}}), 1);
  double total = 0;
  for (const char* reason :
       {"max_connections", "max_unauthenticated", "max_per_source",
        "max_unauthenticated_per_source", "early_drop", "proxy_header", "no_thread"}) {
    total += value(metrics, "gitgate_connections_refused_total", {{"reason", reason}});
  }
  EXPECT_EQ(total, 6);
}

TEST(ServerMetricsTest, ProxyHeaderOutcomes) {
  ServerMetrics metrics;
  const auto client = *net::SocketAddress::parse_ip("203.0.113.9", 40000);
  const auto balancer = *net::SocketAddress::parse_ip("10.0.0.5", 51000);
  proxyproto::ConnectionInfo plain;
  plain.client = client;
  metrics.proxy_header(plain);
  proxyproto::ConnectionInfo v2 = plain;
  v2.header = proxyproto::Header{};
  v2.header->version = proxyproto::Version::kV2;
  v2.load_balancer = balancer;
  metrics.proxy_header(v2);
  metrics.proxy_header(v2);
  proxyproto::ConnectionInfo v1_local = plain;
  v1_local.header = proxyproto::Header{};  // names no client: LOCAL, UNKNOWN
  metrics.proxy_header(v1_local);
  metrics.proxy_header(proxyproto::Refusal{proxyproto::RefusalReason::kUntrustedPeer, "", {}, {}});
  metrics.proxy_header(proxyproto::Refusal{proxyproto::RefusalReason::kHeaderRequired, "", {}, {}});
  metrics.proxy_header(proxyproto::Refusal{proxyproto::RefusalReason::kPeerClosed, "", {}, {}});
  const auto count = [&](const char* version, const char* result) {
    return value(metrics, "gitgate_proxy_headers_total",
                 {{"version", version}, {"result", result}});
  };
  EXPECT_EQ(count("none", "absent"), 1);
  EXPECT_EQ(count("v2", "proxy"), 2);
  EXPECT_EQ(count("v1", "local"), 1);
  EXPECT_EQ(count("v1", "proxy"), 0);
  EXPECT_EQ(count("unknown", "untrusted_peer"), 1);
  EXPECT_EQ(count("none", "header_required"), 1);
  EXPECT_EQ(count("unknown", "peer_closed"), 1);
  // A peer that hangs up at once is a TCP health check, not a refused connection.
  EXPECT_EQ(value(metrics, "gitgate_connections_refused_total", {{"reason", "proxy_header"}}), 2);
}

TEST(ServerMetricsTest, AuthAttemptsByResult) {
  ServerMetrics metrics;
  for (const char* result :
       {"success", "unknown key", "unknown key", "bad signature", "certificate refused",
        "unreadable key", "host api failure", "something new"}) {
    metrics.auth_attempt(result);
  }
  const auto count = [&](const char* result) {
    return value(metrics, "gitgate_auth_attempts_total", {{"result", result}});
  };
  EXPECT_EQ(count("success"), 1);
  EXPECT_EQ(count("unknown_key"), 2);
  EXPECT_EQ(count("bad_signature"), 1);
  EXPECT_EQ(count("certificate_refused"), 1);
  EXPECT_EQ(count("unreadable_key"), 1);
  EXPECT_EQ(count("host_api_failure"), 1);
  EXPECT_EQ(count("other"), 1);
}

}  // namespace
}  // namespace gitgate::server
