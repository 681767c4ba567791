// read_connection_info over real TCP loopback sockets: socketpair() has no IP
// addresses, and the policy depends on the peer's. Trusted and untrusted peers are
// told apart by binding the client to 127.0.0.2 (trusted) or 127.0.0.3 (not).
// Every blocking call in this file is bounded by a poll() timeout.
#include "proxyproto/reader.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "proxyproto/proxy_protocol.h"
#include "tests/proxyproto/loopback.h"

namespace gitgate::proxyproto {
namespace {

using loopback::connect_loopback;
using loopback::drain;
using loopback::Fd;
using loopback::local_of;
using loopback::peer_of;
using loopback::send_all;

using Bytes = std::vector<uint8_t>;
using std::chrono::milliseconds;

constexpr milliseconds kShortTimeout{200};  // for the tests that expect a timeout
constexpr milliseconds kLongTimeout{5000};  // for the tests that expect anything else

Bytes bytes(std::string_view text) { return {text.begin(), text.end()}; }
Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const Bytes kBanner = bytes("SSH-2.0-x\r\n");
const Bytes kV1Tcp4 = bytes("PROXY TCP4 192.0.2.1 198.51.100.2 56324 7999\r\n");
const Bytes kV1Unknown = bytes("PROXY UNKNOWN\r\n");
const Bytes kV2Signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
// PROXY, TCP over IPv4, 192.0.2.1:56324 -> 198.51.100.2:7999.
const Bytes kV2Tcp4 = kV2Signature + Bytes{0x21, 0x11, 0x00, 0x0C, 192,  0,    2,    1,
                                           198,  51,   100,  2,    0xDC, 0x04, 0x1F, 0x3F};
// LOCAL (a health check), no addresses.
const Bytes kV2Local = kV2Signature + Bytes{0x20, 0x00, 0x00, 0x00};
// PROXY, TCP over IPv6, [2001:db8::1]:56324 -> [2001:db8::2]:7999.
const Bytes kV2Tcp6 =
    kV2Signature + Bytes{0x21, 0x21, 0x00, 0x24, 0x20, 0x01, 0x0d, 0xb8, 0,    0,   0, 0, 0, 0, 0,
                         0,    0,    0,    0,    1,    0x20, 0x01, 0x0d, 0xb8, 0,   0, 0, 0, 0, 0,
                         0,    0,    0,    0,    0,    2,    0xDC, 0x04, 0x1F, 0x3F};

// PROXY, stream over AF_UNIX: two 108-byte paths.
Bytes v2_unix() {
  Bytes block(216, 0);
  const std::string source = "/run/lb.sock";
  const std::string destination = "/run/gitgate.sock";
  std::memcpy(block.data(), source.data(), source.size());
  std::memcpy(block.data() + 108, destination.data(), destination.size());
  return kV2Signature + Bytes{0x21, 0x31, 0x00, 0xD8} + block;
}

net::SocketAddress address(std::string_view ip, uint16_t port) {
  return net::SocketAddress::parse_ip(ip, port).value_or(net::SocketAddress{});
}

Policy policy(Mode mode, milliseconds timeout = kLongTimeout,
              const std::vector<std::string>& trusted = {"127.0.0.2/32"}) {
  Policy p;
  p.mode = mode;
  p.header_timeout = timeout;
  for (const auto& text : trusted) {
    auto cidr = net::Cidr::parse(text);
    EXPECT_TRUE(cidr.has_value()) << text;
    p.trusted.push_back(cidr.value_or(net::Cidr{}));
  }
  return p;
}

std::string describe(const Refusal& r) {
  return "refusal \"" + std::string(to_string(r.reason)) + "\": " + r.detail;
}
std::string describe(const ReadResult& result) {
  if (const auto* refusal = std::get_if<Refusal>(&result)) {
    return describe(*refusal);
  }
  const auto& info = std::get<ConnectionInfo>(result);
  return "accepted: client " + info.client.to_string() + " peer " + info.peer.to_string();
}

// The reader raises SO_RCVLOWAT while it waits for the rest of a header; libssh gets the
// socket with the default back.
void expect_receive_low_watermark_restored(int fd) {
  int lowat = 0;
  socklen_t len = sizeof lowat;
  ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, &len), 0);
  EXPECT_EQ(lowat, 1) << "SO_RCVLOWAT not restored";
}

// ---------------------------------------------------------------------------------------
// The policy matrix: mode x peer x first bytes.

enum class Input : uint8_t { kV1, kV2, kPlain, kNothing };
enum class Outcome : uint8_t { kHeader, kNoHeader, kRefused };

struct MatrixCase {
  Mode mode;
  bool trusted;
  Input input;
  Outcome outcome;
  RefusalReason reason = RefusalReason::kIoError;  // when refused
};

std::ostream& operator<<(std::ostream& os, const MatrixCase& c) {
  const char* modes[] = {"off", "optional", "required"};
  const char* inputs[] = {"v1", "v2", "plain", "nothing"};
  return os << modes[static_cast<int>(c.mode)] << (c.trusted ? " trusted " : " untrusted ")
            << inputs[static_cast<int>(c.input)];
}

Bytes input_bytes(Input input) {
  switch (input) {
    case Input::kV1:
      return kV1Tcp4 + kBanner;
    case Input::kV2:
      return kV2Tcp4 + kBanner;
    case Input::kPlain:
      return kBanner;
    case Input::kNothing:
      break;
  }
  return {};
}

class PolicyMatrixTest : public testing::TestWithParam<std::tuple<MatrixCase, bool>> {};

TEST_P(PolicyMatrixTest, DecidesAndConsumesOnlyAnAcceptedHeader) {
  const auto& [c, nonblocking] = GetParam();
  auto conn = connect_loopback("127.0.0.1", c.trusted ? "127.0.0.2" : "127.0.0.3");
  ASSERT_TRUE(conn);
  const int fd = conn->server.get();
  if (nonblocking) {
    ASSERT_EQ(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
  }
  const int flags_before = fcntl(fd, F_GETFL);
  const Bytes sent = input_bytes(c.input);
  send_all(conn->client.get(), sent);

  // Silence ends only at the timeout: whether in a refusal or (optional) in plain SSH.
  const bool waits_out_timeout = c.input == Input::kNothing && c.mode != Mode::kOff;
  const ReadResult result =
      read_connection_info(fd, policy(c.mode, waits_out_timeout ? kShortTimeout : kLongTimeout));
  EXPECT_EQ(fcntl(fd, F_GETFL), flags_before) << "the reader changed the fd's flags";
  expect_receive_low_watermark_restored(fd);

  const net::SocketAddress peer = peer_of(fd);
  ASSERT_EQ(peer.ip_string(), c.trusted ? "127.0.0.2" : "127.0.0.3");
  Bytes remaining_expected = sent;
  switch (c.outcome) {
    case Outcome::kRefused: {
      ASSERT_TRUE(std::holds_alternative<Refusal>(result)) << describe(result);
      const auto& refusal = std::get<Refusal>(result);
      EXPECT_EQ(refusal.reason, c.reason) << describe(refusal);
      EXPECT_EQ(refusal.peer, peer);
      EXPECT_EQ(refusal.local, local_of(fd));
      break;
    }
    case Outcome::kNoHeader: {
      ASSERT_TRUE(std::holds_alternative<ConnectionInfo>(result)) << describe(result);
      const auto& info = std::get<ConnectionInfo>(result);
      EXPECT_EQ(info.client, peer);
      EXPECT_EQ(info.peer, peer);
      EXPECT_EQ(info.local, local_of(fd));
      EXPECT_FALSE(info.header.has_value());
      EXPECT_FALSE(info.load_balancer.has_value());
      break;
    }
    case Outcome::kHeader: {
      ASSERT_TRUE(std::holds_alternative<ConnectionInfo>(result)) << describe(result);
      const auto& info = std::get<ConnectionInfo>(result);
      EXPECT_EQ(info.client, address("192.0.2.1", 56324));
      EXPECT_EQ(info.local, address("198.51.100.2", 7999));
      EXPECT_EQ(info.peer, peer);
      EXPECT_EQ(info.load_balancer, peer) << "a header that names a client: the peer balances";
      ASSERT_TRUE(info.header.has_value());
      EXPECT_EQ(info.header->version, c.input == Input::kV1 ? Version::kV1 : Version::kV2);
      remaining_expected = kBanner;
      break;
    }
  }
  ASSERT_EQ(shutdown(conn->client.get(), SHUT_WR), 0);
  EXPECT_EQ(drain(fd), remaining_expected) << "the stream behind the header was disturbed";
}

constexpr auto kTimeout = RefusalReason::kTimeout;
constexpr auto kUntrusted = RefusalReason::kUntrustedPeer;
constexpr auto kRequired = RefusalReason::kHeaderRequired;

INSTANTIATE_TEST_SUITE_P(
    Table, PolicyMatrixTest,
    testing::Combine(
        testing::Values(
            // off: nothing is looked at, a header stays in the stream.
            MatrixCase{Mode::kOff, true, Input::kV1, Outcome::kNoHeader},
            MatrixCase{Mode::kOff, true, Input::kV2, Outcome::kNoHeader},
            MatrixCase{Mode::kOff, true, Input::kPlain, Outcome::kNoHeader},
            MatrixCase{Mode::kOff, true, Input::kNothing, Outcome::kNoHeader},
            MatrixCase{Mode::kOff, false, Input::kV1, Outcome::kNoHeader},
            MatrixCase{Mode::kOff, false, Input::kV2, Outcome::kNoHeader},
            MatrixCase{Mode::kOff, false, Input::kPlain, Outcome::kNoHeader},
            MatrixCase{Mode::kOff, false, Input::kNothing, Outcome::kNoHeader},
            // optional: trusted peers may send one, nobody else may.
            MatrixCase{Mode::kOptional, true, Input::kV1, Outcome::kHeader},
            MatrixCase{Mode::kOptional, true, Input::kV2, Outcome::kHeader},
            MatrixCase{Mode::kOptional, true, Input::kPlain, Outcome::kNoHeader},
            // optional: a client that waits for the server's banner is plain SSH.
            MatrixCase{Mode::kOptional, true, Input::kNothing, Outcome::kNoHeader},
            MatrixCase{Mode::kOptional, false, Input::kV1, Outcome::kRefused, kUntrusted},
            MatrixCase{Mode::kOptional, false, Input::kV2, Outcome::kRefused, kUntrusted},
            MatrixCase{Mode::kOptional, false, Input::kPlain, Outcome::kNoHeader},
            MatrixCase{Mode::kOptional, false, Input::kNothing, Outcome::kNoHeader},
            // required: trusted peers must send one, nobody else gets in.
            MatrixCase{Mode::kRequired, true, Input::kV1, Outcome::kHeader},
            MatrixCase{Mode::kRequired, true, Input::kV2, Outcome::kHeader},
            MatrixCase{Mode::kRequired, true, Input::kPlain, Outcome::kRefused, kRequired},
            MatrixCase{Mode::kRequired, true, Input::kNothing, Outcome::kRefused, kTimeout},
            MatrixCase{Mode::kRequired, false, Input::kV1, Outcome::kRefused, kUntrusted},
            MatrixCase{Mode::kRequired, false, Input::kV2, Outcome::kRefused, kUntrusted},
            MatrixCase{Mode::kRequired, false, Input::kPlain, Outcome::kRefused, kUntrusted},
            MatrixCase{Mode::kRequired, false, Input::kNothing, Outcome::kRefused, kUntrusted}),
        testing::Bool()));  // the accepted fd non-blocking

// ---------------------------------------------------------------------------------------
// Fragmentation and exact consumption.

// Sends each segment with a pause between them (TCP_NODELAY is on), then the rest.
std::jthread send_segments(int fd, std::vector<Bytes> segments, milliseconds gap) {
  return std::jthread([fd, segments = std::move(segments), gap] {
    for (const Bytes& segment : segments) {
      std::this_thread::sleep_for(gap);
      send_all(fd, segment);
    }
  });
}

std::vector<Bytes> split(const Bytes& data, std::vector<size_t> cuts) {
  std::vector<Bytes> parts;
  size_t start = 0;
  cuts.push_back(data.size());
  for (const size_t cut : cuts) {
    parts.emplace_back(data.begin() + static_cast<ptrdiff_t>(start),
                       data.begin() + static_cast<ptrdiff_t>(cut));
    start = cut;
  }
  return parts;
}

// Reads with a trusted peer in optional mode while `segments` arrive; expects `header`
// accepted and exactly kBanner left on the socket.
void expect_header_then_banner(const std::vector<Bytes>& segments, milliseconds gap,
                               const net::SocketAddress& client) {
  auto conn = connect_loopback("127.0.0.1", "127.0.0.2");
  ASSERT_TRUE(conn);
  ReadResult result;
  {
    auto writer = send_segments(conn->client.get(), segments, gap);
    result = read_connection_info(conn->server.get(), policy(Mode::kOptional));
  }
  ASSERT_TRUE(std::holds_alternative<ConnectionInfo>(result)) << describe(result);
  EXPECT_EQ(std::get<ConnectionInfo>(result).client, client);
  expect_receive_low_watermark_restored(conn->server.get());
  ASSERT_EQ(shutdown(conn->client.get(), SHUT_WR), 0);
  EXPECT_EQ(drain(conn->server.get()), kBanner);
}

struct HeaderCase {
  const char* name;
  Bytes header;
  net::SocketAddress client;
};

std::ostream& operator<<(std::ostream& os, const HeaderCase& c) { return os << c.name; }

class FragmentationTest : public testing::TestWithParam<HeaderCase> {};

TEST_P(FragmentationTest, OneByteAtATime) {
  const HeaderCase& c = GetParam();
  std::vector<Bytes> segments;
  for (const uint8_t byte : c.header) {
    segments.push_back({byte});
  }
  segments.push_back(kBanner);
  expect_header_then_banner(segments, milliseconds(2), c.client);
}

TEST_P(FragmentationTest, EveryTwoWaySplit) {
  const HeaderCase& c = GetParam();
  const Bytes stream = c.header + kBanner;
  for (size_t cut = 1; cut <= c.header.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    expect_header_then_banner(split(stream, {cut}), milliseconds(1), c.client);
  }
}

TEST_P(FragmentationTest, ThreeSegments) {
  const HeaderCase& c = GetParam();
  const Bytes stream = c.header + kBanner;
  const size_t n = c.header.size();
  for (const auto& cuts : std::vector<std::vector<size_t>>{
           {1, 2}, {5, 6}, {6, 12}, {12, 16}, {n / 3, 2 * n / 3}, {n - 2, n - 1}, {n - 1, n + 1}}) {
    SCOPED_TRACE("cuts at " + std::to_string(cuts[0]) + ", " + std::to_string(cuts[1]));
    expect_header_then_banner(split(stream, cuts), milliseconds(3), c.client);
  }
}

TEST_P(FragmentationTest, LeavesALongStreamBehindTheHeaderIntact) {
  const HeaderCase& c = GetParam();
  Bytes tail = kBanner;
  for (size_t i = 0; i < 20000; ++i) {
    tail.push_back(static_cast<uint8_t>(i * 7));
  }
  auto conn = connect_loopback("127.0.0.1", "127.0.0.2");
  ASSERT_TRUE(conn);
  send_all(conn->client.get(), c.header + tail);  // one write: header and stream together
  const ReadResult result = read_connection_info(conn->server.get(), policy(Mode::kRequired));
  ASSERT_TRUE(std::holds_alternative<ConnectionInfo>(result)) << describe(result);
  EXPECT_EQ(std::get<ConnectionInfo>(result).client, c.client);
  ASSERT_EQ(shutdown(conn->client.get(), SHUT_WR), 0);
  EXPECT_EQ(drain(conn->server.get()), tail);
}

INSTANTIATE_TEST_SUITE_P(Headers, FragmentationTest,
                         testing::Values(HeaderCase{"v1", kV1Tcp4, address("192.0.2.1", 56324)},
                                         HeaderCase{"v2", kV2Tcp4, address("192.0.2.1", 56324)},
                                         HeaderCase{"v2_ipv6", kV2Tcp6,
                                                    address("2001:db8::1", 56324)}),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------------------
// Refusals: timeout, peer closed, invalid header.

struct RefusalCase {
  const char* name;
  Bytes sent;
  bool close_after;  // shut down the client's side after sending
  RefusalReason reason;
};

std::ostream& operator<<(std::ostream& os, const RefusalCase& c) { return os << c.name; }

class RefusalTest : public testing::TestWithParam<RefusalCase> {};

TEST_P(RefusalTest, RefusesWithReason) {
  const RefusalCase& c = GetParam();
  auto conn = connect_loopback("127.0.0.1", "127.0.0.2");
  ASSERT_TRUE(conn);
  send_all(conn->client.get(), c.sent);
  if (c.close_after) {
    ASSERT_EQ(shutdown(conn->client.get(), SHUT_WR), 0);
  }
  Policy p =
      policy(Mode::kOptional, c.reason == RefusalReason::kTimeout ? kShortTimeout : kLongTimeout);
  p.max_v2_length = 64;
  const ReadResult result = read_connection_info(conn->server.get(), p);
  ASSERT_TRUE(std::holds_alternative<Refusal>(result)) << describe(result);
  const auto& refusal = std::get<Refusal>(result);
  EXPECT_EQ(refusal.reason, c.reason) << describe(refusal);
  EXPECT_FALSE(refusal.detail.empty());
  expect_receive_low_watermark_restored(conn->server.get());
  EXPECT_EQ(refusal.peer, address("127.0.0.2", peer_of(conn->server.get()).port));
  if (c.reason == RefusalReason::kInvalid && c.sent.size() < 64) {
    // The parser's own reason reaches the caller.
    const ParseResult parsed = parse(c.sent, ParseOptions{p.max_v2_length});
    ASSERT_TRUE(std::holds_alternative<Invalid>(parsed));
    EXPECT_EQ(refusal.detail, std::get<Invalid>(parsed).reason);
  }
}

Bytes oversized_v2() {  // declares 200 address bytes with max_v2_length = 64
  return kV2Signature + Bytes{0x21, 0x11, 0x00, 0xC8} + Bytes(200, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RefusalTest,
    testing::Values(
        RefusalCase{"partial_v1", bytes("PROXY TCP4 192.0.2.1"), false, RefusalReason::kTimeout},
        RefusalCase{"partial_v1_signature", bytes("PROX"), false, RefusalReason::kTimeout},
        RefusalCase{"partial_v2_signature", Bytes(kV2Signature.begin(), kV2Signature.begin() + 7),
                    false, RefusalReason::kTimeout},
        RefusalCase{"partial_v2_addresses", Bytes(kV2Tcp4.begin(), kV2Tcp4.end() - 3), false,
                    RefusalReason::kTimeout},
        RefusalCase{"closed_before_anything", {}, true, RefusalReason::kPeerClosed},
        RefusalCase{"closed_inside_v1", bytes("PROXY TCP4 192.0.2.1"), true,
                    RefusalReason::kPeerClosed},
        RefusalCase{"closed_inside_v2", Bytes(kV2Tcp4.begin(), kV2Tcp4.end() - 3), true,
                    RefusalReason::kPeerClosed},
        RefusalCase{"closed_inside_signature", bytes("PRO"), true, RefusalReason::kPeerClosed},
        RefusalCase{"v1_bad_address", bytes("PROXY TCP4 999.0.2.1 198.51.100.2 56324 7999\r\n"),
                    false, RefusalReason::kInvalid},
        RefusalCase{"v1_bad_protocol", bytes("PROXY TCP5 192.0.2.1 198.51.100.2 1 2\r\n") + kBanner,
                    false, RefusalReason::kInvalid},
        RefusalCase{"v1_without_crlf", bytes("PROXY TCP4 ") + Bytes(120, '1'), false,
                    RefusalReason::kInvalid},
        RefusalCase{"v2_bad_version",
                    kV2Signature + Bytes{0x11, 0x11, 0x00, 0x0C} + Bytes(12, 1) + kBanner, false,
                    RefusalReason::kInvalid},
        RefusalCase{"v2_longer_than_allowed", oversized_v2(), false, RefusalReason::kInvalid}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ReaderTest, ClosedWithoutReadingIsPeerClosedInEveryMode) {
  for (const Mode mode : {Mode::kOptional, Mode::kRequired}) {
    auto conn = connect_loopback("127.0.0.1", "127.0.0.2");
    ASSERT_TRUE(conn);
    conn->client.reset();
    const ReadResult result = read_connection_info(conn->server.get(), policy(mode));
    ASSERT_TRUE(std::holds_alternative<Refusal>(result)) << describe(result);
    EXPECT_EQ(std::get<Refusal>(result).reason, RefusalReason::kPeerClosed);
  }
}

TEST(ReaderTest, NotASocketIsAnIoError) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);
  const ReadResult result = read_connection_info(read_end.get(), policy(Mode::kOptional));
  ASSERT_TRUE(std::holds_alternative<Refusal>(result)) << describe(result);
  EXPECT_EQ(std::get<Refusal>(result).reason, RefusalReason::kIoError);
}

// ---------------------------------------------------------------------------------------
// Headers without IP addresses describe the connection by the socket itself.

struct SocketAddressCase {
  const char* name;
  Bytes header;
  Command command;
  AddressFamily family;
};

std::ostream& operator<<(std::ostream& os, const SocketAddressCase& c) { return os << c.name; }

class SocketAddressTest : public testing::TestWithParam<SocketAddressCase> {};

TEST_P(SocketAddressTest, UsesTheSocketsAddressesAndKeepsTheHeader) {
  const SocketAddressCase& c = GetParam();
  auto conn = connect_loopback("127.0.0.1", "127.0.0.2");
  ASSERT_TRUE(conn);
  send_all(conn->client.get(), c.header + kBanner);
  const ReadResult result = read_connection_info(conn->server.get(), policy(Mode::kRequired));
  ASSERT_TRUE(std::holds_alternative<ConnectionInfo>(result)) << describe(result);
  const auto& info = std::get<ConnectionInfo>(result);
  const net::SocketAddress peer = peer_of(conn->server.get());
  EXPECT_EQ(info.client, peer);
  EXPECT_EQ(info.peer, peer);
  EXPECT_EQ(info.local, local_of(conn->server.get()));
  // No client named: no balancer either, so v1 UNKNOWN and v2 LOCAL are logged alike.
  EXPECT_FALSE(info.load_balancer.has_value());
  ASSERT_TRUE(info.header.has_value());
  EXPECT_EQ(info.header->command, c.command);
  EXPECT_EQ(info.header->family, c.family);
  EXPECT_EQ(info.header->length, c.header.size());
  ASSERT_EQ(shutdown(conn->client.get(), SHUT_WR), 0);
  EXPECT_EQ(drain(conn->server.get()), kBanner);
}

INSTANTIATE_TEST_SUITE_P(Table, SocketAddressTest,
                         testing::Values(SocketAddressCase{"v2_local", kV2Local, Command::kLocal,
                                                           AddressFamily::kUnspec},
                                         SocketAddressCase{"v1_unknown", kV1Unknown,
                                                           Command::kProxy, AddressFamily::kUnspec},
                                         SocketAddressCase{"v2_unix", v2_unix(), Command::kProxy,
                                                           AddressFamily::kUnix}),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------------------
// Address families of the socket.

TEST(ReaderTest, Ipv6ClientInAV2HeaderThroughAnIpv4Socket) {
  auto conn = connect_loopback("127.0.0.1", "127.0.0.2");
  ASSERT_TRUE(conn);
  send_all(conn->client.get(), kV2Tcp6 + kBanner);
  const ReadResult result = read_connection_info(conn->server.get(), policy(Mode::kOptional));
  ASSERT_TRUE(std::holds_alternative<ConnectionInfo>(result)) << describe(result);
  const auto& info = std::get<ConnectionInfo>(result);
  EXPECT_EQ(info.client.ip_string(), "2001:db8::1");
  EXPECT_EQ(info.client.port, 56324);
  EXPECT_EQ(info.local.ip_string(), "2001:db8::2");
  EXPECT_EQ(info.peer.ip_string(), "127.0.0.2");
  EXPECT_EQ(info.load_balancer, info.peer);
}

struct FamilyCase {
  const char* name;
  const char* listen_ip;
  const char* source_ip;
  std::vector<std::string> trusted;
  std::string peer_ip;  // as the reader reports it
  bool accepted;        // else refused as an untrusted peer
};

std::ostream& operator<<(std::ostream& os, const FamilyCase& c) { return os << c.name; }

class SocketFamilyTest : public testing::TestWithParam<FamilyCase> {};

TEST_P(SocketFamilyTest, TrustsByThePeersAddress) {
  const FamilyCase& c = GetParam();
  auto conn = connect_loopback(c.listen_ip, c.source_ip);
  ASSERT_TRUE(conn);
  send_all(conn->client.get(), kV1Tcp4 + kBanner);
  const ReadResult result =
      read_connection_info(conn->server.get(), policy(Mode::kOptional, kLongTimeout, c.trusted));
  if (!c.accepted) {
    ASSERT_TRUE(std::holds_alternative<Refusal>(result)) << describe(result);
    EXPECT_EQ(std::get<Refusal>(result).reason, RefusalReason::kUntrustedPeer);
    EXPECT_EQ(std::get<Refusal>(result).peer.ip_string(), c.peer_ip);
    return;
  }
  ASSERT_TRUE(std::holds_alternative<ConnectionInfo>(result)) << describe(result);
  const auto& info = std::get<ConnectionInfo>(result);
  EXPECT_EQ(info.peer.ip_string(), c.peer_ip);
  EXPECT_EQ(info.client, address("192.0.2.1", 56324));
}

INSTANTIATE_TEST_SUITE_P(
    Table, SocketFamilyTest,
    testing::Values(FamilyCase{"ipv6_trusted", "::1", "::1", {"::1/128"}, "::1", true},
                    FamilyCase{"ipv6_untrusted", "::1", "::1", {"127.0.0.0/8"}, "::1", false},
                    // A dual-stack socket sees ::ffff:127.0.0.2, which matches the IPv4 range.
                    FamilyCase{"v4_mapped_trusted",
                               "::ffff:127.0.0.1",
                               "127.0.0.2",
                               {"127.0.0.2/32"},
                               "127.0.0.2",
                               true},
                    FamilyCase{"v4_mapped_untrusted",
                               "::ffff:127.0.0.1",
                               "127.0.0.3",
                               {"127.0.0.2/32"},
                               "127.0.0.3",
                               false}),
    [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------------------
// Policy::is_trusted.

TEST(PolicyTest, TrustedIsAnyOfTheRanges) {
  Policy policy;
  for (const char* text : {"127.0.0.2/32", "10.0.0.0/8", "fc00::/7"}) {
    auto cidr = net::Cidr::parse(text);
    ASSERT_TRUE(cidr.has_value()) << text;
    policy.trusted.push_back(*cidr);
  }
  const std::vector<std::pair<std::string, bool>> table = {
      {"127.0.0.2", true},       {"127.0.0.3", false}, {"10.4.5.6", true},
      {"::ffff:10.4.5.6", true}, {"fd00::1", true},    {"2001:db8::1", false},
      {"192.168.1.1", false},
  };
  for (const auto& [ip_text, trusted] : table) {
    EXPECT_EQ(policy.is_trusted(address(ip_text, 4242)), trusted) << ip_text;
  }
  EXPECT_FALSE(Policy{}.is_trusted(address("127.0.0.1", 4242))) << "an empty list trusts nobody";
}

TEST(ReaderTest, RefusalReasonsHaveStableWords) {
  const std::vector<std::pair<RefusalReason, std::string_view>> table = {
      {RefusalReason::kTimeout, "timeout"},
      {RefusalReason::kInvalid, "invalid header"},
      {RefusalReason::kUntrustedPeer, "header from untrusted peer"},
      {RefusalReason::kHeaderRequired, "header required"},
      {RefusalReason::kPeerClosed, "peer closed"},
      {RefusalReason::kIoError, "i/o error"},
  };
  for (const auto& [reason, word] : table) {
    EXPECT_EQ(to_string(reason), word);
  }
}

}  // namespace
}  // namespace gitgate::proxyproto
