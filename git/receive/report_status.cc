#include "git/receive/report_status.h"

#include "git/protocol/pktline.h"

namespace gitgate::git::detail {
namespace {

// Reasons and names are one line each: a line break would end the pkt-line's text early
// on the client (git chomps one LF and prints the rest as part of the reason).
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\0') {
      c = ' ';
    }
  }
  return out;
}

}  // namespace

std::string encode_report(const std::optional<std::string>& unpack_error,
                          const std::vector<PushCommand>& commands) {
  std::string out;
  pktline::append_data(out, "unpack " + (unpack_error ? one_line(*unpack_error) : "ok") + "\n");
  for (const PushCommand& c : commands) {
    const std::string line = c.ready() ? "ok " + c.command.ref + "\n"
                                       : "ng " + c.command.ref + " " + one_line(c.error) + "\n";
    if (!pktline::append_data(out, line)) {
      // Only a ref name near 65 KB gets here; the limit on command bytes allows it.
      pktline::append_data(out, line.substr(0, pktline::kMaxDataSize - 1) + "\n");
    }
  }
  pktline::append_flush(out);
  return out;
}

}  // namespace gitgate::git::detail
