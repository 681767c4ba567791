// The access log of docs/DESIGN.md, "Access log format": 13 fields joined by " | ", ending " |".
//
//   addresses | ssh | request id | user | time | action | "details" | status | bytes read |
//   bytes written | labels | duration ms | session id |
//
// Fields 8-12 are "-" on the i-line (request start).
//
// The escaping rule, one for every field: a field is printable ASCII. Every byte outside
// 0x20-0x7e, and '|' (the separator), '\' (the escape) and, inside the quoted details field, '"',
// becomes "\xNN" (two lowercase hex digits) -- the rule of logging::printable() in the diagnostic
// log, so both logs read the same. Every field is text the client may have influenced
// (identification string, user name, repository path, a unix-socket path from a PROXY header),
// and the tools downstream disagree about what ends a line: log shippers split on NEL (C2 85),
// U+2028 and U+2029 as well as '\n', and drop or mangle a line with invalid UTF-8 (a lone 0xFF,
// an overlong form). Passing validated UTF-8 through would mean tracking every such list;
// ASCII means the same to all of them. Nothing is lost: "\xc3\xb6" reads back as the bytes
// the client sent.
#include "logging/access_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace gitgate::logging {
namespace {

constexpr std::string_view kSeparator = " | ";

// Appends text to out under the escaping rule above; quote is '"' in the details field.
void append_escaped(std::string& out, std::string_view text, char quote) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '|' && c != '\\' && (quote == 0 || c != quote)) {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
}

std::string field(std::string_view text) {
  if (text.empty()) {
    return "-";
  }
  std::string out;
  out.reserve(text.size());
  append_escaped(out, text, 0);
  return out;
}

std::string quoted_field(std::string_view text) {
  std::string out = "\"";
  append_escaped(out, text, '"');
  out.push_back('"');
  return out;
}

std::string addresses(const AccessRecord& record) {
  std::string text = record.client.ip_string();
  if (record.load_balancer) {
    text += "," + record.load_balancer->ip_string();
  }
  return field(text);
}

// "yyyy-MM-dd HH:mm:ss,SSS" in the local time zone.
std::string local_time(std::chrono::system_clock::time_point time) {
  using std::chrono::floor;
  const auto ms = floor<std::chrono::milliseconds>(time.time_since_epoch());
  const auto seconds = floor<std::chrono::seconds>(ms);
  const auto clock = static_cast<std::time_t>(seconds.count());
  std::tm local{};
  localtime_r(&clock, &local);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03}", local.tm_year + 1900,
                     local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
                     (ms - seconds).count());
}

// Sorted, each once, as Bitbucket writes them: it keeps a request's labels in a Java
// TreeSet<String>, whose order is String.compareTo's (UTF-16 code units; for the ASCII of
// every label gitgate writes, byte order). Its documented o-line of a cache hit reads
// "cache:hit, clone, protocol:2, ssh:user:id:2"; a pipeline that groups by this field sees
// one value for one kind of request, whatever order the request learned its labels in.
std::string labels(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::string text;
  for (const auto& label : values) {
    if (!text.empty()) {
      text += ", ";
    }
    text += field(label);
  }
  return text.empty() ? "-" : text;
}

// Whole milliseconds; 0 if the wall clock stepped back during the request.
int64_t duration_ms(const AccessRecord& record) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(record.end - record.start);
  return ms.count() < 0 ? 0 : ms.count();
}

}  // namespace

std::string request_id_string(const RequestId& id, LineKind kind) {
  return fmt::format("{}{}{}x{}x{}x{}", kind == LineKind::kStart ? 'i' : 'o',
                     id.clustered ? '*' : '@', id.node, id.minute_of_day, id.counter,
                     id.concurrent);
}

std::string format_access_line(const AccessRecord& record, LineKind kind) {
  const bool end = kind == LineKind::kEnd;
  const std::string fields[] = {
      addresses(record),
      "ssh",
      field(request_id_string(record.request_id, kind)),
      field(record.user),
      local_time(end ? record.end : record.start),
      field(record.action),
      quoted_field(record.details),
      end ? std::to_string(record.exit_status) : "-",
      end ? std::to_string(record.bytes_read) : "-",
      end ? std::to_string(record.bytes_written) : "-",
      end ? labels(record.labels) : "-",
      end ? std::to_string(duration_ms(record)) : "-",
      field(record.session_id),
  };
  std::string line;
  for (const auto& value : fields) {
    line += value;
    line += kSeparator;
  }
  line.pop_back();  // the line ends with " |"
  return line;
}

}  // namespace gitgate::logging
