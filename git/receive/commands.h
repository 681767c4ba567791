// The update request of receive-pack (gitprotocol-pack "Reference Update Request and
// Packfile Transfer"): the client's shallow lines, its ref update commands with the
// capabilities on the first, and the push options. A pure parser fed one packet at a
// time, as V2RequestParser; the caller reads the packets and, after the final flush,
// the pack bytes.
#pragma once

#include <git2.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "git/protocol/pktline.h"
#include "git/push_settings.h"

namespace gitgate::git::detail {

// One "old-oid new-oid name" command. old is zero for a create, new is zero for a delete.
struct RefCommand {
  git_oid old_id{};
  git_oid new_id{};
  std::string ref;  // as sent; checked by check_ref_name, not by the parser
};
bool is_create(const RefCommand& command);
bool is_delete(const RefCommand& command);

// The capabilities receive-pack advertises that the client may ask for (gitprotocol-
// capabilities). Any other name is ignored, as git's receive-pack does (it only looks
// for the names it knows): a newer client may ask for something we do not know, and
// refusing would break its push for nothing.
struct PushCapabilities {
  bool report_status = false;
  bool report_status_v2 = false;
  bool delete_refs = false;
  bool side_band_64k = false;
  bool quiet = false;
  bool atomic = false;
  bool ofs_delta = false;
  bool push_options = false;
  std::string agent;  // "git/2.39.5", empty when not sent
  // "object-format=sha1" or nothing; any other format is refused. "push-cert=" is not
  // advertised; a push-cert line is refused.
};

struct UpdateRequest {
  std::vector<git_oid> shallow;  // the client's shallow boundary (a push from a shallow clone)
  std::vector<RefCommand> commands;
  PushCapabilities capabilities;
};

//   update-requests   =  *shallow ( command-list | push-cert )
//   shallow           =  PKT-LINE("shallow" SP obj-id)
//   command-list      =  PKT-LINE(command NUL capability-list)
//                        *PKT-LINE(command)
//                        flush-pkt
//   command           =  create / delete / update
//   create            =  zero-id SP new-id  SP name
//   delete            =  old-id  SP zero-id SP name
//   update            =  old-id  SP new-id  SP name
// A flush before any command is an empty push (the client had nothing to send): no
// pack follows (also after shallow lines). push-cert is not advertised and is refused. A
// command line may end in LF. Capabilities are read from the first command only; a NUL in
// a later command is a protocol error.
struct UpdateParsed {
  UpdateRequest request;
};
struct UpdateEmpty {};  // flush-pkt alone
struct UpdateNeedMore {};
struct UpdateInvalid {
  std::string reason;  // one line for the client: "protocol error: ..." or the limit named
};
using UpdateParseResult = std::variant<UpdateParsed, UpdateEmpty, UpdateNeedMore, UpdateInvalid>;

class UpdateRequestParser {
 public:
  explicit UpdateRequestParser(const PushSettings& limits);
  // The next packet; UpdateNeedMore until the flush. After any other result it is spent.
  UpdateParseResult feed(const pktline::Packet& packet);

 private:
  PushSettings limits_;
  UpdateRequest request_;
  size_t bytes_ = 0;
  bool seen_command_ = false;
  bool spent_ = false;
};

//   push-options  =  *PKT-LINE(push-option) flush-pkt
//   push-option   =  1*( VCHAR | SP )
// Sent after the command list when both sides have push-options, before the pack. As
// git's receive-pack, any bytes but NUL and LF are taken (a user's UTF-8 text); a NUL
// or LF could not reach a hook in GIT_PUSH_OPTION_<n>.
struct PushOptionsParsed {
  std::vector<std::string> options;
};
using PushOptionsParseResult = std::variant<PushOptionsParsed, UpdateNeedMore, UpdateInvalid>;

class PushOptionsParser {
 public:
  explicit PushOptionsParser(const PushSettings& limits);
  PushOptionsParseResult feed(const pktline::Packet& packet);

 private:
  PushSettings limits_;
  std::vector<std::string> options_;
  bool spent_ = false;
};

// The same over bytes, for tests and the fuzzer: the first update request of input and
// the bytes it took (the pack starts there).
struct UpdateOverBytes {
  UpdateParseResult result;
  size_t consumed = 0;
};
UpdateOverBytes parse_update_request(std::span<const uint8_t> input,
                                     const PushSettings& limits = {});

}  // namespace gitgate::git::detail
