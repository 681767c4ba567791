// Protocol v2 requests (gitprotocol-v2 "Command Request" and the arguments of
// ls-refs, fetch and object-info) as pure functions over bytes and lines.
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

#include "git/detail/shallow_request.h"

namespace gitgate::git::detail {

// A whole request is buffered before it is parsed; this caps it (haves included).
inline constexpr size_t kMaxV2RequestBytes = size_t{16} * 1024 * 1024;

enum class V2Command { kLsRefs, kFetch, kObjectInfo };

struct V2Request {
  V2Command command = V2Command::kLsRefs;
  std::vector<std::string> capabilities;  // "agent=git/2.39.5", "object-format=sha1", ...
  std::vector<std::string> arguments;     // lines after the delim, one LF removed
};
struct V2Parsed {
  V2Request request;
  size_t consumed = 0;
};
struct V2EndOfSession {  // a flush alone: the client is done with the connection
  size_t consumed = 0;
};
struct V2NeedMore {};
struct V2Invalid {
  std::string reason;  // what git's serve.c would die with
};
using V2ParseResult = std::variant<V2Parsed, V2EndOfSession, V2NeedMore, V2Invalid>;

//   request          =  empty-request / command-request
//   empty-request    =  flush-pkt
//   command-request  =  command capability-list delim-pkt command-args flush-pkt
//   command          =  PKT-LINE("command=" key LF)
//   capability-list  =  *capability;  capability = PKT-LINE(key[=value] LF)
// As git's serve.c: command and capabilities in any order, the delim may be left out
// when there are no arguments. Only the capabilities we advertise are accepted.
V2ParseResult parse_v2_request(std::span<const uint8_t> input);

//   ls-refs args: "symrefs", "peel", "ref-prefix <prefix>", "unborn"
struct LsRefsArgs {
  bool symrefs = false;
  bool peel = false;
  bool unborn = false;
  std::vector<std::string> prefixes;  // empty: every ref
};
std::variant<LsRefsArgs, std::string> parse_ls_refs_args(const std::vector<std::string>& args);

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
std::variant<FetchArgs, std::string> parse_fetch_args(const std::vector<std::string>& args);

//   object-info args: "size", "oid <oid>"
struct ObjectInfoArgs {
  bool size = false;
  std::vector<git_oid> ids;
};
std::variant<ObjectInfoArgs, std::string> parse_object_info_args(
    const std::vector<std::string>& args);

}  // namespace gitgate::git::detail
