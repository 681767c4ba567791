#include "server/listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace gitgate::server {
namespace {

using Verdict = Admission::Verdict;

TEST(FormatListenAddress, BracketsIpv6) {
  EXPECT_EQ(format_listen_address({"0.0.0.0", 7999}), "0.0.0.0:7999");
  EXPECT_EQ(format_listen_address({"::", 7999}), "[::]:7999");
  EXPECT_EQ(format_listen_address({"::1", 0}), "[::1]:0");
  EXPECT_EQ(format_listen_address({"127.0.0.1", 22}), "127.0.0.1:22");
}

Limits limits(int total, int per_source, int unauthenticated) {
  Limits l;
  l.max_connections = total;
  l.max_per_source = per_source;
  l.max_unauthenticated = unauthenticated;
  return l;
}

TEST(Admission, TotalLimit) {
  Admission admission(limits(2, 10, 10));
  EXPECT_EQ(admission.admit("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(admission.admit("10.0.0.2"), Verdict::kAdmitted);
  EXPECT_EQ(admission.admit("10.0.0.3"), Verdict::kTooManyConnections);
  admission.release("10.0.0.1", false);
  EXPECT_EQ(admission.admit("10.0.0.3"), Verdict::kAdmitted);
  EXPECT_EQ(admission.open_connections(), 2U);
}

TEST(Admission, PerSourceLimit) {
  Admission admission(limits(10, 2, 10));
  EXPECT_EQ(admission.admit("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(admission.admit("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(admission.admit("10.0.0.1"), Verdict::kTooManyFromSource);
  EXPECT_EQ(admission.admit("10.0.0.2"), Verdict::kAdmitted);
  admission.release("10.0.0.1", false);
  EXPECT_EQ(admission.admit("10.0.0.1"), Verdict::kAdmitted);
}

TEST(Admission, UnauthenticatedLimitFreedByAuthentication) {
  Admission admission(limits(10, 10, 2));
  EXPECT_EQ(admission.admit("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(admission.admit("10.0.0.2"), Verdict::kAdmitted);
  EXPECT_EQ(admission.admit("10.0.0.3"), Verdict::kTooManyUnauthenticated);
  admission.authenticated();
  EXPECT_EQ(admission.unauthenticated_connections(), 1U);
  EXPECT_EQ(admission.admit("10.0.0.3"), Verdict::kAdmitted);
  EXPECT_EQ(admission.open_connections(), 3U);
}

TEST(Admission, ZeroPerSourceRefusesWithoutLeavingEntries) {
  Admission admission(limits(10, 0, 10));
  EXPECT_EQ(admission.admit("10.0.0.1"), Verdict::kTooManyFromSource);
  EXPECT_EQ(admission.open_connections(), 0U);
}

TEST(Admission, DescribeNamesTheLimit) {
  Admission admission(limits(256, 32, 64));
  EXPECT_EQ(admission.describe(Verdict::kTooManyConnections, "10.0.0.1"),
            "connection limit: 256 connections open");
  EXPECT_EQ(admission.describe(Verdict::kTooManyFromSource, "10.0.0.1"),
            "per-source limit: 32 connections open from 10.0.0.1");
  EXPECT_EQ(admission.describe(Verdict::kTooManyUnauthenticated, "10.0.0.1"),
            "unauthenticated limit: 64 connections not yet authenticated");
}

TEST(AdmissionTicket, ReleasesOnceEvenWhenMoved) {
  Admission admission(limits(10, 10, 10));
  ASSERT_EQ(admission.admit("10.0.0.1"), Verdict::kAdmitted);
  {
    AdmissionTicket first(admission, "10.0.0.1");
    first.mark_authenticated();
    first.mark_authenticated();  // counted once
    EXPECT_EQ(admission.unauthenticated_connections(), 0U);
    AdmissionTicket second(std::move(first));
    EXPECT_EQ(admission.open_connections(), 1U);
  }
  EXPECT_EQ(admission.open_connections(), 0U);
  EXPECT_EQ(admission.unauthenticated_connections(), 0U);
}

TEST(Admission, WaitUntilIdle) {
  Admission admission(limits(10, 10, 10));
  ASSERT_EQ(admission.admit("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(
      admission.wait_until_idle(std::chrono::steady_clock::now() + std::chrono::milliseconds(20)),
      1U);
  std::thread releaser([&] { admission.release("10.0.0.1", false); });
  EXPECT_EQ(admission.wait_until_idle(std::chrono::steady_clock::now() + std::chrono::seconds(5)),
            0U);
  releaser.join();
}

TEST(BindListeners, PortZeroReportsTheRealPort) {
  auto bound = bind_listeners({{"127.0.0.1", 0}});
  ASSERT_TRUE(std::holds_alternative<std::vector<BoundSocket>>(bound));
  const auto& sockets = std::get<std::vector<BoundSocket>>(bound);
  ASSERT_EQ(sockets.size(), 1U);
  EXPECT_EQ(sockets[0].address.ip_string(), "127.0.0.1");
  EXPECT_NE(sockets[0].address.port, 0);
  close(sockets[0].fd);
}

TEST(BindListeners, SamePortTwiceFailsAndClosesTheFirst) {
  auto first = bind_listeners({{"127.0.0.1", 0}});
  ASSERT_TRUE(std::holds_alternative<std::vector<BoundSocket>>(first));
  const BoundSocket taken = std::get<std::vector<BoundSocket>>(first)[0];
  auto second = bind_listeners({{"127.0.0.1", 0}, {"127.0.0.1", taken.address.port}});
  ASSERT_TRUE(std::holds_alternative<std::string>(second));
  EXPECT_NE(std::get<std::string>(second).find("127.0.0.1:" + std::to_string(taken.address.port)),
            std::string::npos);
  close(taken.fd);
}

TEST(BindListeners, UnparseableHostIsAnError) {
  auto bound = bind_listeners({{"not an address", 0}});
  EXPECT_TRUE(std::holds_alternative<std::string>(bound));
}

TEST(Listener, AcceptsUntilStopped) {
  auto bound = bind_listeners({{"127.0.0.1", 0}});
  ASSERT_TRUE(std::holds_alternative<std::vector<BoundSocket>>(bound));
  Listener listener(std::get<std::vector<BoundSocket>>(bound));
  ASSERT_TRUE(listener.ok());
  const uint16_t port = listener.sockets()[0].address.port;

  std::optional<proxyproto::SocketAddress> peer;
  int nodelay = 0;
  std::thread loop([&] {
    listener.run([&](int fd, const proxyproto::SocketAddress& from) {
      peer = from;
      socklen_t length = sizeof nodelay;
      getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &length);
      close(fd);
      listener.stop();
    });
  });
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  loop.join();  // the callback's stop() ends run()
  close(client);
  ASSERT_TRUE(peer.has_value());
  EXPECT_EQ(peer->ip_string(), "127.0.0.1");
  EXPECT_EQ(nodelay, 1) << "accepted sockets have Nagle's algorithm off";
}

}  // namespace
}  // namespace gitgate::server
