// The want/have exchange of protocol v0/v1 (gitprotocol-pack "Packfile Negotiation"),
// as pure functions and a state machine over an abstract object graph.
#pragma once

#include <git2.h>

#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include "git/pack/libgit2.h"
#include "git/protocol/pktline.h"
#include "git/select/object_graph.h"

namespace gitgate::git::detail {

enum class MultiAck { kNone, kMultiAck, kDetailed };

// What the client asked for on its first want line (gitprotocol-capabilities).
struct ClientCapabilities {
  MultiAck multi_ack = MultiAck::kNone;
  pktline::SideBand side_band = pktline::SideBand::kNone;
  bool no_progress = false;
  bool include_tag = false;
  bool no_done = false;
  bool ofs_delta = false;
  bool thin_pack = false;
  bool deepen_relative = false;  // v0/v1 send it as a capability
};

// Space-separated capability-list; unknown capabilities are ignored, as git does.
ClientCapabilities parse_capabilities(std::string_view list);

//   first-want       =  PKT-LINE("want" SP obj-id SP capability-list)
//   additional-want  =  PKT-LINE("want" SP obj-id)
struct WantLine {
  git_oid id{};
  std::string_view capabilities;  // empty on additional wants
};
struct BadLine {
  std::string reason;
};
std::variant<WantLine, BadLine> parse_want(std::string_view line);

//   have-list  =  *have-line;  have-line = PKT-LINE("have" SP obj-id)
//   compute-end  =  flush-pkt / PKT-LINE("done")
// Replies follow git's upload-pack: "ACK <oid> common|ready|continue", "NAK", final "ACK <oid>".
class Negotiator {
 public:
  struct Reply {
    std::vector<std::string> lines;  // payloads, LF included
    bool finished = false;           // the pack comes next
    std::string error;               // a protocol error; nothing else is valid
  };

  Negotiator(ObjectGraph& graph, std::vector<git_oid> wants, MultiAck multi_ack, bool no_done);

  Reply on_line(std::string_view line);
  Reply on_flush();

  // The haves we share with the client, in the order received, without repeats.
  const std::vector<git_oid>& common() const { return common_; }
  bool received_haves() const { return received_haves_; }

 private:
  void on_have(const git_oid& id, Reply& reply);
  Reply on_done();
  bool ok_to_give_up();

  ObjectGraph& graph_;
  std::vector<git_oid> wants_;
  // ok_to_give_up's answer for the first checked_commons_ commons: asked again only when
  // more arrived (git walks once per round, not once per have), and true stays true.
  size_t checked_commons_ = 0;
  bool gave_up_ = false;
  std::vector<git_oid> common_;
  std::unordered_set<git_oid, OidHash, OidEqual> common_set_;  // the same, to find repeats
  MultiAck multi_ack_;
  bool no_done_;
  bool received_haves_ = false;
  bool got_common_ = false;  // in this round
  bool got_other_ = false;   // in this round
  bool sent_ready_ = false;
  std::string last_common_;
};

}  // namespace gitgate::git::detail
