#include "server/admission.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <list>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gitgate::server {
namespace {

using Verdict = Admission::Verdict;

// Every chance at or above this never early-drops below max_unauthenticated.
constexpr double kNeverDrop = 0.999999;

Limits limits(int total, int unauthenticated, int per_source, int unauthenticated_per_source) {
  Limits l;
  l.max_connections = total;
  l.max_unauthenticated = unauthenticated;
  l.max_per_source = per_source;
  l.max_unauthenticated_per_source = unauthenticated_per_source;
  l.early_drop_start = unauthenticated;  // no early drop unless a test asks for it
  return l;
}

// Tickets for the tests: accepted (with a dummy descriptor) and identified as `source`.
class Pool {
 public:
  explicit Pool(const Limits& l) : admission(l) {}

  Verdict connect(const std::optional<std::string>& source, double chance = kNeverDrop) {
    Verdict refused = Verdict::kAdmitted;
    std::optional<AdmissionTicket> ticket = admission.accept(-1, &refused);
    if (!ticket) {
      return refused;
    }
    const Verdict verdict = ticket->identify(source, chance);
    if (verdict == Verdict::kAdmitted) {
      tickets.push_back(std::move(*ticket));
    }
    return verdict;
  }

  Admission admission;
  std::list<AdmissionTicket> tickets;  // tickets cannot be assigned: no vector
};

TEST(ResolveLimits, SizedFromTheDescriptorLimit) {
  const Limits defaults;
  struct Case {
    uint64_t descriptors;
    int connections;
    int unauthenticated;
    int early_drop_start;
  };
  for (const Case& c : {
           Case{20000, 4984, 2492, 1246},  // this machine's hard limit
           Case{1024, 240, 120, 60},       // a common soft limit that cannot be raised
           Case{1048576, 10000, 5000, 2500},
           Case{64, 1, 1, 1},  // nothing left after the reserve: one connection at least
           Case{0, 1, 1, 1},
       }) {
    const Limits resolved = resolve_limits(defaults, c.descriptors);
    EXPECT_EQ(resolved.max_connections, c.connections) << c.descriptors;
    EXPECT_EQ(resolved.max_unauthenticated, c.unauthenticated) << c.descriptors;
    EXPECT_EQ(resolved.early_drop_start, c.early_drop_start) << c.descriptors;
    EXPECT_LE(resolved.max_per_source, resolved.max_connections);
    EXPECT_LE(resolved.max_unauthenticated_per_source, resolved.max_unauthenticated);
  }
}

TEST(ResolveLimits, ConfiguredValuesStayAndSharesShrinkToTheirWhole) {
  Limits configured;
  configured.max_connections = 10;
  configured.max_per_source = 32;
  const Limits resolved = resolve_limits(configured, 20000);
  EXPECT_EQ(resolved.max_connections, 10);
  EXPECT_EQ(resolved.max_unauthenticated, 5);
  EXPECT_EQ(resolved.max_per_source, 10);
  EXPECT_EQ(resolved.max_unauthenticated_per_source, 5);
  EXPECT_EQ(resolved.early_drop_start, 2);
}

TEST(ResolveLimits, DefaultsHoldAThousandSilentConnectionsWithoutDropping) {
  // The flood: 1,000 connections held without authenticating must not push a
  // legitimate one into the early drop with this machine's descriptor limit.
  const Limits resolved = resolve_limits(Limits{}, 20000);
  EXPECT_GT(resolved.early_drop_start, 1000 + 1);
}

TEST(SourceKey, Ipv4ByAddressIpv6BySlash64) {
  struct Case {
    const char* client;
    const char* key;
  };
  for (const Case& c : {
           Case{"203.0.113.9", "203.0.113.9"},
           Case{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
           Case{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
           Case{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
           Case{"::ffff:192.0.2.1", "192.0.2.1"},  // a v4-mapped client is its IPv4 address
           Case{"::1", "::/64"},
       }) {
    auto address = net::SocketAddress::parse_ip(c.client);
    ASSERT_TRUE(address.has_value()) << c.client;
    EXPECT_EQ(source_key(*address), c.key) << c.client;
  }
}

TEST(Admission, TotalLimitAtBelowAbove) {
  Pool pool(limits(2, 2, 10, 10));
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(pool.connect("10.0.0.2"), Verdict::kAdmitted);  // at the limit
  for (AdmissionTicket& ticket : pool.tickets) {
    ticket.mark_authenticated();
  }
  EXPECT_EQ(pool.connect("10.0.0.3"), Verdict::kTooManyConnections);  // above it
  pool.tickets.pop_back();
  EXPECT_EQ(pool.connect("10.0.0.3"), Verdict::kAdmitted);
  EXPECT_EQ(pool.admission.open_connections(), 2U);
}

TEST(Admission, UnauthenticatedLimitFreedByAuthentication) {
  Pool pool(limits(10, 2, 10, 10));
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(pool.connect("10.0.0.2"), Verdict::kAdmitted);
  EXPECT_EQ(pool.connect("10.0.0.3"), Verdict::kTooManyUnauthenticated);
  pool.tickets.front().mark_authenticated();
  EXPECT_EQ(pool.admission.unauthenticated_connections(), 1U);
  EXPECT_EQ(pool.connect("10.0.0.3"), Verdict::kAdmitted);
  EXPECT_EQ(pool.admission.open_connections(), 3U);
}

TEST(Admission, PerSourceCountsTheClientNotTheBalancer) {
  Pool pool(limits(100, 100, 2, 2));
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kTooManyUnauthenticatedFromSource);
  EXPECT_EQ(pool.connect("10.0.0.2"), Verdict::kAdmitted);  // another client is not refused
  // A balancer's health check counts against no source.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(pool.connect(std::nullopt), Verdict::kAdmitted);
  }
}

TEST(Admission, UnauthenticatedPerSourceFreedByAuthenticationButOpenStays) {
  Pool pool(limits(100, 100, 3, 1));
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kTooManyUnauthenticatedFromSource);
  pool.tickets.back().mark_authenticated();
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
  pool.tickets.back().mark_authenticated();
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
  pool.tickets.back().mark_authenticated();
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kTooManyFromSource);  // 3 open: above
  pool.tickets.erase(pool.tickets.begin());
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
}

TEST(Admission, RefusedIdentificationLeavesNoCount) {
  Pool pool(limits(10, 10, 1, 1));
  ASSERT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kTooManyUnauthenticatedFromSource);
  EXPECT_EQ(pool.admission.open_connections(), 1U);  // the refused ticket gave its place back
  pool.tickets.clear();
  EXPECT_EQ(pool.admission.open_connections(), 0U);
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
}

TEST(Admission, EarlyDropRisesFromRateToFull) {
  Limits l = limits(100, 10, 100, 100);
  l.early_drop_start = 4;
  l.early_drop_percent = 30;
  Pool pool(l);
  // At or below the start nothing is dropped, whatever the chance.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(pool.connect("10.0.0." + std::to_string(i), 0.0), Verdict::kAdmitted);
  }
  EXPECT_EQ(pool.connect("10.0.1.0", 0.0), Verdict::kAdmitted);  // the 4th: at the start
  // The 5th is 1/6 of the way from start to full: drop below 30 % + 70 % / 6 = 41.7 %.
  EXPECT_EQ(pool.connect("10.0.1.1", 0.41), Verdict::kEarlyDrop);
  EXPECT_EQ(pool.connect("10.0.1.1", 0.42), Verdict::kAdmitted);
  // Fill up to max_unauthenticated - 1, then the last one is dropped whatever the chance.
  while (pool.admission.unauthenticated_connections() < 9) {
    ASSERT_EQ(pool.connect(std::to_string(pool.tickets.size()), kNeverDrop), Verdict::kAdmitted);
  }
  EXPECT_EQ(pool.connect("10.0.2.0", kNeverDrop), Verdict::kEarlyDrop);
  // A health check is never dropped.
  EXPECT_EQ(pool.connect(std::nullopt, 0.0), Verdict::kAdmitted);
}

TEST(Admission, DescribeNamesTheLimitAndTheSource) {
  Admission admission(limits(256, 64, 32, 8));
  EXPECT_EQ(admission.describe(Verdict::kTooManyConnections, "10.0.0.1"),
            "connection limit: 256 connections open");
  EXPECT_EQ(admission.describe(Verdict::kTooManyFromSource, "10.0.0.1"),
            "per-source limit: 32 connections open from 10.0.0.1");
  EXPECT_EQ(admission.describe(Verdict::kTooManyUnauthenticatedFromSource, "2001:db8::/64"),
            "per-source limit: 8 connections not yet authenticated from 2001:db8::/64");
  EXPECT_EQ(admission.describe(Verdict::kTooManyUnauthenticated, "10.0.0.1"),
            "unauthenticated limit: 64 connections not yet authenticated");
  EXPECT_EQ(admission.describe(Verdict::kEarlyDrop, "10.0.0.1"),
            "early drop: more than 64 connections not yet authenticated");
}

// SIGHUP: new limits apply to the next connections; those open stay, and count.
TEST(Admission, SetLimitsAppliesToTheNextConnections) {
  Pool pool(limits(10, 10, 1, 1));
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kTooManyUnauthenticatedFromSource);
  pool.admission.set_limits(limits(10, 10, 3, 3));
  EXPECT_EQ(pool.admission.limits().max_per_source, 3);
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kAdmitted);
  EXPECT_EQ(pool.connect("10.0.0.1"), Verdict::kTooManyUnauthenticatedFromSource);
  // Lowered below what is open: nothing is closed, the next one is refused.
  pool.admission.set_limits(limits(2, 2, 1, 1));
  EXPECT_EQ(pool.tickets.size(), 3U);
  EXPECT_EQ(pool.connect("10.0.0.2"), Verdict::kTooManyConnections);
  EXPECT_EQ(pool.admission.describe(Verdict::kTooManyConnections, "10.0.0.2"),
            "connection limit: 2 connections open");
  pool.tickets.clear();
  EXPECT_EQ(pool.connect("10.0.0.2"), Verdict::kAdmitted);
}

TEST(AdmissionTicket, ReleasesOnceEvenWhenMoved) {
  Pool pool(limits(10, 10, 10, 10));
  {
    Verdict refused = Verdict::kAdmitted;
    std::optional<AdmissionTicket> first = pool.admission.accept(-1, &refused);
    ASSERT_TRUE(first.has_value());
    ASSERT_EQ(first->identify("10.0.0.1", kNeverDrop), Verdict::kAdmitted);
    first->mark_authenticated();
    first->mark_authenticated();  // counted once
    EXPECT_EQ(pool.admission.unauthenticated_connections(), 0U);
    AdmissionTicket second(std::move(*first));
    EXPECT_EQ(pool.admission.open_connections(), 1U);
  }
  EXPECT_EQ(pool.admission.open_connections(), 0U);
  EXPECT_EQ(pool.admission.unauthenticated_connections(), 0U);
}

TEST(Admission, CutShutsDownOnlyUnauthenticatedSockets) {
  Admission admission(limits(10, 10, 10, 10));
  std::array<int, 2> waiting{};
  std::array<int, 2> authenticated{};
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, waiting.data()), 0);
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, authenticated.data()), 0);
  Verdict refused = Verdict::kAdmitted;
  std::optional<AdmissionTicket> a = admission.accept(waiting[0], &refused);
  std::optional<AdmissionTicket> b = admission.accept(authenticated[0], &refused);
  ASSERT_TRUE(a && b);
  b->mark_authenticated();
  EXPECT_EQ(admission.cut_unauthenticated(), 1U);
  char byte = 0;
  EXPECT_EQ(read(waiting[1], &byte, 1), 0);  // the server side was shut down: EOF
  EXPECT_EQ(write(authenticated[0], "x", 1), 1);
  EXPECT_EQ(read(authenticated[1], &byte, 1), 1);
  a->forget_socket();
  EXPECT_EQ(admission.cut_unauthenticated(), 0U);
  for (int fd : {waiting[0], waiting[1], authenticated[0], authenticated[1]}) {
    close(fd);
  }
}

TEST(Admission, WaitUntilIdle) {
  Admission admission(limits(10, 10, 10, 10));
  Verdict refused = Verdict::kAdmitted;
  std::optional<AdmissionTicket> ticket = admission.accept(-1, &refused);
  ASSERT_TRUE(ticket.has_value());
  EXPECT_EQ(
      admission.wait_until_idle(std::chrono::steady_clock::now() + std::chrono::milliseconds(20)),
      1U);
  std::thread releaser([&] { ticket.reset(); });
  EXPECT_EQ(admission.wait_until_idle(std::chrono::steady_clock::now() + std::chrono::seconds(5)),
            0U);
  releaser.join();
}

}  // namespace
}  // namespace gitgate::server
