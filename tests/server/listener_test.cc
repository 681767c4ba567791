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

TEST(FormatListenAddress, BracketsIpv6) {
  EXPECT_EQ(format_listen_address({"0.0.0.0", 7999}), "0.0.0.0:7999");
  EXPECT_EQ(format_listen_address({"::", 7999}), "[::]:7999");
  EXPECT_EQ(format_listen_address({"::1", 0}), "[::1]:0");
  EXPECT_EQ(format_listen_address({"127.0.0.1", 22}), "127.0.0.1:22");
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

  std::optional<net::SocketAddress> peer;
  int nodelay = 0;
  std::thread loop([&] {
    listener.run([&](int fd, const net::SocketAddress& from) {
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
