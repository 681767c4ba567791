// Protocol v2 requests (gitprotocol-v2 "Command Request" and the arguments of
// ls-refs, fetch and object-info): a parser fed one packet at a time, and pure
// functions over bytes and lines.
#pragma once

#include <git2.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "git/protocol/pktline.h"
#include "git/protocol/request_bounds.h"
#include "git/request_limits.h"
#include "git/select/shallow_request.h"

namespace gitgate::git::detail {

//   ls-refs args: "symrefs", "peel", "ref-prefix <prefix>", "unborn"
struct LsRefsArgs {
  bool symrefs = false;
  bool peel = false;
  bool unborn = false;
  // Empty: every ref, also when more than RequestLimits::max_ref_prefixes were sent.
  std::vector<std::string> prefixes;
  size_t prefixes_sent = 0;
};

// fetch args (gitprotocol-v2 "fetch"), only those we honour.
struct FetchArgs {
  std::vector<git_oid> wants;
  std::vector<std::string> want_refs;
  std::vector<git_oid> haves;
  ShallowRequest shallow;
  std::optional<std::string> filter;  // the spec as sent; parsed by parse_filter
  // v2 clients send thin-pack unasked. It permits deltas against objects the client
  // has; it never requires them, so a self-contained pack honours it.
  bool thin_pack = false;
  bool ofs_delta = false;
  bool no_progress = false;
  bool include_tag = false;
  bool done = false;
  bool wait_for_done = false;
};

//   object-info args: "size", "oid <oid>"
struct ObjectInfoArgs {
  bool size = false;
  std::vector<git_oid> ids;
};

enum class V2Command { kLsRefs, kFetch, kObjectInfo };

struct V2Request {
  V2Command command = V2Command::kLsRefs;
  // "agent=git/2.39.5", "object-format=sha1", ...: the first kMaxKeptCapabilities only
  // (nothing reads them yet; server-option may repeat without end).
  std::vector<std::string> capabilities;
  std::variant<LsRefsArgs, FetchArgs, ObjectInfoArgs> args;  // as command
};
inline constexpr size_t kMaxKeptCapabilities = 64;

struct V2Parsed {
  V2Request request;
  size_t consumed = 0;
};
struct V2EndOfSession {  // a flush alone: the client is done with the connection
  size_t consumed = 0;
};
struct V2NeedMore {};
struct V2Invalid {
  std::string reason;  // what git's serve.c would die with, or the limit exceeded
};
using V2ParseResult = std::variant<V2Parsed, V2EndOfSession, V2NeedMore, V2Invalid>;

//   request          =  empty-request / command-request
//   empty-request    =  flush-pkt
//   command-request  =  command capability-list delim-pkt command-args flush-pkt
//   command          =  PKT-LINE("command=" key LF)
//   capability-list  =  *capability;  capability = PKT-LINE(key[=value] LF)
// As git's serve.c: command and capabilities in any order, the delim may be left out
// when there are no arguments. Only the capabilities we advertise are accepted.
// Arguments are parsed as they arrive into the command's args (ids as 20 bytes, no line
// kept), and RequestLimits is checked on each packet before anything is stored.
class V2RequestParser {
 public:
  explicit V2RequestParser(const RequestLimits& limits) : limits_(limits), meter_(limits) {}

  // The next packet of the request; V2NeedMore until its flush. After any other result
  // the parser is spent.
  V2ParseResult feed(const pktline::Packet& packet);

 private:
  V2ParseResult on_delim();
  V2ParseResult on_flush();
  std::optional<std::string> on_argument(std::string_view line);

  RequestLimits limits_;
  RequestMeter meter_;
  V2Request request_;
  std::optional<V2Command> command_;
  bool in_arguments_ = false;
  bool seen_anything_ = false;
};

// The same over bytes: the first request of input.
V2ParseResult parse_v2_request(std::span<const uint8_t> input, const RequestLimits& limits = {});

// One argument line of each command (the line without its LF).
std::optional<std::string> parse_ls_refs_arg(std::string_view line, const RequestLimits& limits,
                                             LsRefsArgs& out);
std::optional<std::string> parse_fetch_arg(std::string_view line, FetchArgs& out);
std::optional<std::string> parse_object_info_arg(std::string_view line, ObjectInfoArgs& out);
// The checks once every argument is in; for fetch, the ids are de-duplicated here.
std::optional<std::string> finish_ls_refs_args(const RequestLimits& limits, LsRefsArgs& out);
std::optional<std::string> finish_fetch_args(FetchArgs& out);

// Whole argument lists, for tests and the fuzzer: the line functions, then the finish.
std::variant<LsRefsArgs, std::string> parse_ls_refs_args(const std::vector<std::string>& args,
                                                         const RequestLimits& limits = {});
std::variant<FetchArgs, std::string> parse_fetch_args(const std::vector<std::string>& args);
std::variant<ObjectInfoArgs, std::string> parse_object_info_args(
    const std::vector<std::string>& args);

}  // namespace gitgate::git::detail
