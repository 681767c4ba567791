#include "logging/access_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <regex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "tests/logging/utc_fixture.h"

namespace gitgate::logging {
namespace {

using net::SocketAddress;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;

// The expected lines are written in UTC; the log uses the local zone, so fix it.
using fixtures::UtcTest;

std::chrono::system_clock::time_point at(int hour, int minute, int second, int millis) {
  using namespace std::chrono;
  return sys_days{year{2026} / May / 25} + hours(hour) + minutes(minute) + seconds(second) +
         milliseconds(millis);
}

// The example pair of docs/DESIGN.md.
AccessRecord design_example() {
  AccessRecord record;
  record.client = *SocketAddress::parse_ip("203.0.113.9", 50022);
  record.load_balancer = SocketAddress::parse_ip("10.0.0.5", 41234);
  record.request_id = RequestId{"DX7BUK", 631, 44878, 0, false};
  record.user = "alice";
  record.action = "SSH - git-upload-pack '/demo/repo.git'";
  record.details = "SSH-2.0-OpenSSH_9.2p1";
  record.session_id = "17i1kgv";
  record.start = at(10, 31, 38, 622);
  record.end = at(10, 31, 41, 300);
  record.exit_status = 0;
  record.bytes_read = 727;
  record.bytes_written = 22705297;
  record.labels = {"clone", "protocol:2", "ssh:user:id:2"};
  return record;
}

TEST_F(UtcTest, DesignExamplePair) {
  const auto record = design_example();
  EXPECT_EQ(format_access_line(record, LineKind::kStart),
            "203.0.113.9,10.0.0.5 | ssh | i@DX7BUKx631x44878x0 | alice | 2026-05-25 10:31:38,622 | "
            "SSH - git-upload-pack '/demo/repo.git' | \"SSH-2.0-OpenSSH_9.2p1\" | - | - | - | - "
            "| - | 17i1kgv |");
  EXPECT_EQ(format_access_line(record, LineKind::kEnd),
            "203.0.113.9,10.0.0.5 | ssh | o@DX7BUKx631x44878x0 | alice | 2026-05-25 10:31:41,300 | "
            "SSH - git-upload-pack '/demo/repo.git' | \"SSH-2.0-OpenSSH_9.2p1\" | 0 | 727 | "
            "22705297 | clone, protocol:2, ssh:user:id:2 | 2678 | 17i1kgv |");
}

TEST_F(UtcTest, LocalTimeZoneIsUsed) {
  setenv("TZ", "XST+4", 1);  // a POSIX zone four hours west of UTC, no tzdata needed
  tzset();
  const auto line = format_access_line(design_example(), LineKind::kStart);
  EXPECT_NE(line.find(" | 2026-05-25 06:31:38,622 | "), std::string::npos) << line;
}

struct FieldCase {
  std::string name;
  void (*change)(AccessRecord&);
  LineKind kind;
  int field;  // 1-based, as in docs/DESIGN.md
  std::string expected;
};

std::vector<std::string> fields_of(const std::string& line) {
  EXPECT_TRUE(line.ends_with(" |")) << line;
  std::vector<std::string> fields;
  const std::string body = line.substr(0, line.size() - 2);
  size_t start = 0;
  for (size_t bar = body.find(" | "); bar != std::string::npos; bar = body.find(" | ", start)) {
    fields.push_back(body.substr(start, bar - start));
    start = bar + 3;
  }
  fields.push_back(body.substr(start));
  return fields;
}

// Bitbucket keeps a request's labels in a Java TreeSet<String>: sorted by String.compareTo
// (for ASCII, byte order), each once, whatever order the request added them in.
TEST_F(UtcTest, LabelsAreSortedAndUniqueAsInBitbucket) {
  const struct {
    std::vector<std::string> labels;
    std::string field;
  } cases[] = {
      {{"clone", "protocol:2", "cache:miss", "ssh:user:id:1"},
       "cache:miss, clone, protocol:2, ssh:user:id:1"},
      {{"ssh:user:id:2", "protocol:2", "clone", "cache:hit", "clone"},
       "cache:hit, clone, protocol:2, ssh:user:id:2"},
      {{"shallow", "fetch", "protocol:0", "ssh:user:id:10"},
       "fetch, protocol:0, shallow, ssh:user:id:10"},
      {{"push", "protocol:1", "atomic", "rejected", "ssh:user:id:2"},
       "atomic, protocol:1, push, rejected, ssh:user:id:2"},
      {{"drained", "ssh:user:id:2", "clone", "protocol:2"},
       "clone, drained, protocol:2, ssh:user:id:2"},
      // Byte order, not the order of the numbers: "ssh:user:id:10" < "ssh:user:id:9", as
      // String.compareTo has it; 'R' (0x52) before 'c' (0x63).
      {{"ssh:user:id:9", "ssh:user:id:10", "cache:hit", "Refs"},
       "Refs, cache:hit, ssh:user:id:10, ssh:user:id:9"},
      {{}, "-"},
  };
  for (const auto& c : cases) {
    auto record = design_example();
    record.labels = c.labels;
    const auto fields = fields_of(format_access_line(record, LineKind::kEnd));
    ASSERT_EQ(fields.size(), 13U);
    EXPECT_EQ(fields[10], c.field);
  }
}

// Bitbucket's documented o-line of a clone served from its cache, in protocol 2, by the
// user with id 2: its labels field as Atlassian's documentation gives it,
// "cache:hit, clone, protocol:2, ssh:user:id:2", and the other fields in the shape of the
// SSH o-lines of Atlassian's KB "How to read the Bitbucket Server log formats" (their values
// are one instance's: the addresses, ids, user, path, times, sizes and session differ).
constexpr std::string_view kBitbucketCacheHitClone =
    "198.51.100.23 | ssh | o@1QXW4JDx603x1452x0 | carol | 2026-05-25 10:03:07,215 | "
    "SSH - git-upload-pack '/proj/app.git' | \"SSH-2.0-OpenSSH_9.6\" | 0 | 312 | 48210 | "
    "cache:hit, clone, protocol:2, ssh:user:id:2 | 73 | 1d0ea5k |";

// The same situation from gitgate, its labels added in the order a v2 clone learns them,
// matches the documented line field by field but for the values that must differ.
TEST_F(UtcTest, CacheHitCloneReadsAsBitbucketsDocumentedLine) {
  auto record = design_example();
  record.labels = {"ssh:user:id:2", "protocol:2", "clone", "cache:hit"};
  const auto ours = fields_of(format_access_line(record, LineKind::kEnd));
  const auto theirs = fields_of(std::string(kBitbucketCacheHitClone));
  ASSERT_EQ(theirs.size(), 13U);
  ASSERT_EQ(ours.size(), theirs.size());
  // Equal: protocol, status, labels.
  for (const size_t i : {1U, 7U, 10U}) {
    EXPECT_EQ(ours[i], theirs[i]) << "field " << i + 1;
  }
  // Of the same shape: each value may differ, its form may not.
  const std::string_view shapes[] = {
      R"(^[0-9a-f.:]+(,[0-9a-f.:]+)?$)",            // 1 addresses
      "",                                           // 2 equal
      R"(^o@[0-9A-Z]+x\d+x\d+x\d+$)",               // 3 request id
      R"(^[^ |]+$)",                                // 4 user
      R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$)",  // 5 time
      R"(^SSH - git-upload-pack '/[^']+'$)",        // 6 action
      R"(^"SSH-2\.0-[^"]+"$)",                      // 7 details
      "",                                           // 8 equal
      R"(^\d+$)",                                   // 9 bytes read
      R"(^\d+$)",                                   // 10 bytes written
      "",                                           // 11 equal
      R"(^\d+$)",                                   // 12 duration
      R"(^[0-9a-z]{6,7}$)",                         // 13 session id
  };
  for (size_t i = 0; i < ours.size(); ++i) {
    if (shapes[i].empty()) {
      continue;
    }
    const std::regex shape{std::string(shapes[i])};
    EXPECT_TRUE(std::regex_match(theirs[i], shape)) << "field " << i + 1 << ": " << theirs[i];
    EXPECT_TRUE(std::regex_match(ours[i], shape)) << "field " << i + 1 << ": " << ours[i];
  }
}

class AccessLineField : public UtcTest, public testing::WithParamInterface<FieldCase> {};

TEST_P(AccessLineField, IsFormatted) {
  auto record = design_example();
  GetParam().change(record);
  const auto line = format_access_line(record, GetParam().kind);
  const auto fields = fields_of(line);
  ASSERT_EQ(fields.size(), 13U) << line;
  EXPECT_EQ(fields[GetParam().field - 1], GetParam().expected) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Table, AccessLineField,
    testing::Values(
        FieldCase{"NoLoadBalancer", [](AccessRecord& r) { r.load_balancer.reset(); },
                  LineKind::kStart, 1, "203.0.113.9"},
        FieldCase{"Ipv6Client",
                  [](AccessRecord& r) {
                    r.client = *SocketAddress::parse_ip("2001:0db8:0000:0000:0000:0000:0000:0001");
                  },
                  LineKind::kEnd, 1, "2001:db8::1,10.0.0.5"},
        FieldCase{"Ipv6LoadBalancer",
                  [](AccessRecord& r) { r.load_balancer = SocketAddress::parse_ip("fd00::5"); },
                  LineKind::kStart, 1, "203.0.113.9,fd00::5"},
        FieldCase{"UnixPathCannotForgeAField",
                  [](AccessRecord& r) {
                    r.load_balancer = SocketAddress{};
                    r.load_balancer->family = SocketAddress::Family::kUnix;
                    r.load_balancer->unix_path = "/x | ssh\n";
                  },
                  LineKind::kStart, 1, "203.0.113.9,unix:/x \\x7c ssh\\x0a"},
        FieldCase{"Clustered", [](AccessRecord& r) { r.request_id.clustered = true; },
                  LineKind::kStart, 3, "i*DX7BUKx631x44878x0"},
        FieldCase{"ClusteredEnd", [](AccessRecord& r) { r.request_id.clustered = true; },
                  LineKind::kEnd, 3, "o*DX7BUKx631x44878x0"},
        FieldCase{"Concurrent", [](AccessRecord& r) { r.request_id.concurrent = 3; },
                  LineKind::kEnd, 3, "o@DX7BUKx631x44878x3"},
        FieldCase{"NoUser", [](AccessRecord& r) { r.user.clear(); }, LineKind::kStart, 4, "-"},
        FieldCase{"UserWithBar", [](AccessRecord& r) { r.user = "a|b"; }, LineKind::kStart, 4,
                  "a\\x7cb"},
        FieldCase{"Utf8User", [](AccessRecord& r) { r.user = "j\xc3\xb6rg"; }, LineKind::kStart, 4,
                  "j\\xc3\\xb6rg"},
        FieldCase{"MillisecondsPadded", [](AccessRecord& r) { r.start = at(0, 0, 0, 5); },
                  LineKind::kStart, 5, "2026-05-25 00:00:00,005"},
        FieldCase{"NoLabels", [](AccessRecord& r) { r.labels.clear(); }, LineKind::kEnd, 11, "-"},
        FieldCase{"OneLabel", [](AccessRecord& r) { r.labels = {"push"}; }, LineKind::kEnd, 11,
                  "push"},
        FieldCase{"Status", [](AccessRecord& r) { r.exit_status = 128; }, LineKind::kEnd, 8, "128"},
        FieldCase{"DurationTruncated",
                  [](AccessRecord& r) { r.end = r.start + std::chrono::microseconds(2678999); },
                  LineKind::kEnd, 12, "2678"},
        FieldCase{"ClockSteppedBack", [](AccessRecord& r) { r.end = r.start - seconds(5); },
                  LineKind::kEnd, 12, "0"},
        FieldCase{"EmptyDetails", [](AccessRecord& r) { r.details.clear(); }, LineKind::kStart, 7,
                  "\"\""},
        FieldCase{"DetailsCannotForge",
                  [](AccessRecord& r) {
                    r.details = "SSH-2.0-x\" | 6.6.6.6 | ssh\n1.2.3.4 | ssh | \x1b[2J\xff";
                  },
                  LineKind::kEnd, 7,
                  "\"SSH-2.0-x\\x22 \\x7c 6.6.6.6 \\x7c ssh\\x0a1.2.3.4 \\x7c ssh \\x7c "
                  "\\x1b[2J\\xff\""},
        FieldCase{"ActionWithControl",
                  [](AccessRecord& r) { r.action = "SSH - git-upload-pack '/a\r|b'"; },
                  LineKind::kStart, 6, "SSH - git-upload-pack '/a\\x0d\\x7cb'"},
        FieldCase{"StartLineHasNoResult", [](AccessRecord&) {}, LineKind::kStart, 12, "-"}),
    [](const testing::TestParamInfo<FieldCase>& info) { return info.param.name; });

// Bytes that split or spoil a line for some reader, each in every text field.
struct Hostile {
  std::string name;
  std::string bytes;
  std::string escaped;
};

const Hostile kHostile[] = {
    {"Nel", "a\xc2\x85z", "a\\xc2\\x85z"},
    {"LineSeparator", "a\xe2\x80\xa8z", "a\\xe2\\x80\\xa8z"},
    {"ParagraphSeparator", "a\xe2\x80\xa9z", "a\\xe2\\x80\\xa9z"},
    {"LoneFf", "a\xffz", "a\\xffz"},
    {"OverlongSlash", "a\xc0\xafz", "a\\xc0\\xafz"},
    {"Bar", "a | z", "a \\x7c z"},
    {"Controls", "a\n\r\t\x1b\x7f\x01z", "a\\x0a\\x0d\\x09\\x1b\\x7f\\x01z"},
    {"Backslash", "a\\x41z", "a\\x5cx41z"},
};

// Where a string goes in the record, the field it shows up in, and what surrounds it there.
struct Slot {
  std::string name;
  void (*put)(AccessRecord&, const std::string&);
  int field;
  std::string prefix;
  std::string suffix;
};

const Slot kSlots[] = {
    {"Addresses",
     [](AccessRecord& r, const std::string& s) {
       r.load_balancer = SocketAddress{};
       r.load_balancer->family = SocketAddress::Family::kUnix;
       r.load_balancer->unix_path = s;
     },
     1, "203.0.113.9,unix:", ""},
    {"RequestIdNode", [](AccessRecord& r, const std::string& s) { r.request_id.node = s; }, 3, "o@",
     "x631x44878x0"},
    {"User", [](AccessRecord& r, const std::string& s) { r.user = s; }, 4, "", ""},
    {"Action", [](AccessRecord& r, const std::string& s) { r.action = s; }, 6, "", ""},
    {"Details", [](AccessRecord& r, const std::string& s) { r.details = s; }, 7, "\"", "\""},
    {"Labels",  // every hostile string starts with 'a': it sorts before "clone"
     [](AccessRecord& r, const std::string& s) {
       r.labels = {"clone", s};
     },
     11, "", ", clone"},
    {"SessionId", [](AccessRecord& r, const std::string& s) { r.session_id = s; }, 13, "", ""},
};

class AccessLineEscaping : public UtcTest,
                           public testing::WithParamInterface<std::tuple<Hostile, Slot>> {};

TEST_P(AccessLineEscaping, EveryFieldIsPrintableAscii) {
  const auto& [hostile, slot] = GetParam();
  auto record = design_example();
  slot.put(record, hostile.bytes);
  const auto line = format_access_line(record, LineKind::kEnd);
  for (const char c : line) {
    ASSERT_TRUE(c >= 0x20 && c < 0x7f)
        << "byte " << int(static_cast<unsigned char>(c)) << " in " << line;
  }
  const auto fields = fields_of(line);
  ASSERT_EQ(fields.size(), 13U) << line;
  EXPECT_EQ(fields[slot.field - 1], slot.prefix + hostile.escaped + slot.suffix) << line;
}

INSTANTIATE_TEST_SUITE_P(Table, AccessLineEscaping,
                         testing::Combine(testing::ValuesIn(kHostile), testing::ValuesIn(kSlots)),
                         [](const testing::TestParamInfo<std::tuple<Hostile, Slot>>& info) {
                           return std::get<0>(info.param).name + "In" +
                                  std::get<1>(info.param).name;
                         });

TEST(RequestIdString, NamesKindNodeMinuteCounterConcurrent) {
  EXPECT_EQ(request_id_string(RequestId{"N1", 0, 1, 0, false}, LineKind::kStart), "i@N1x0x1x0");
  EXPECT_EQ(request_id_string(RequestId{"N1", 1439, 7, 2, true}, LineKind::kEnd), "o*N1x1439x7x2");
}

}  // namespace
}  // namespace gitgate::logging
