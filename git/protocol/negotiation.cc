#include "git/protocol/negotiation.h"

#include <algorithm>

#include "git/pack/libgit2.h"

namespace gitgate::git::detail {
namespace {

std::string_view next_word(std::string_view& list) {
  const size_t space = list.find(' ');
  const std::string_view word = list.substr(0, space);
  list.remove_prefix(space == std::string_view::npos ? list.size() : space + 1);
  return word;
}

}  // namespace

ClientCapabilities parse_capabilities(std::string_view list) {
  ClientCapabilities caps;
  while (!list.empty()) {
    const std::string_view word = next_word(list);
    if (word == "multi_ack_detailed") {
      caps.multi_ack = MultiAck::kDetailed;
    } else if (word == "multi_ack" && caps.multi_ack == MultiAck::kNone) {
      caps.multi_ack = MultiAck::kMultiAck;
    } else if (word == "side-band-64k") {
      caps.side_band = pktline::SideBand::kSideBand64k;
    } else if (word == "side-band" && caps.side_band == pktline::SideBand::kNone) {
      caps.side_band = pktline::SideBand::kSideBand;
    } else if (word == "no-progress") {
      caps.no_progress = true;
    } else if (word == "include-tag") {
      caps.include_tag = true;
    } else if (word == "no-done") {
      caps.no_done = true;
    } else if (word == "ofs-delta") {
      caps.ofs_delta = true;
    } else if (word == "thin-pack") {
      caps.thin_pack = true;
    } else if (word == "deepen-relative") {
      caps.deepen_relative = true;
    }
  }
  return caps;
}

std::variant<WantLine, BadLine> parse_want(std::string_view line) {
  constexpr std::string_view kPrefix = "want ";
  if (!line.starts_with(kPrefix)) {
    return BadLine{"expected want, got '" + std::string(line) + "'"};
  }
  std::string_view rest = line.substr(kPrefix.size());
  WantLine want;
  if (!parse_oid(rest.substr(0, GIT_OID_HEXSZ), want.id) ||
      (rest.size() > GIT_OID_HEXSZ && rest[GIT_OID_HEXSZ] != ' ')) {
    return BadLine{"protocol error, expected to get object ID, not '" + std::string(line) + "'"};
  }
  rest.remove_prefix(std::min(rest.size(), size_t{GIT_OID_HEXSZ + 1}));
  want.capabilities = rest;
  return want;
}

Negotiator::Negotiator(ObjectGraph& graph, std::vector<git_oid> wants, MultiAck multi_ack,
                       bool no_done)
    : graph_(graph), wants_(std::move(wants)), multi_ack_(multi_ack), no_done_(no_done) {}

bool Negotiator::ok_to_give_up() {
  if (!gave_up_ && common_.size() > checked_commons_) {
    checked_commons_ = common_.size();
    gave_up_ = detail::ok_to_give_up(graph_, wants_, common_);
  }
  return gave_up_;
}

Negotiator::Reply Negotiator::on_line(std::string_view line) {
  Reply reply;
  constexpr std::string_view kHave = "have ";
  if (line.starts_with(kHave)) {
    git_oid id;
    if (!parse_oid(line.substr(kHave.size()), id)) {
      reply.error = "expected SHA1 object, got '" + std::string(line.substr(kHave.size())) + "'";
      return reply;
    }
    received_haves_ = true;
    on_have(id, reply);
    return reply;
  }
  if (line == "done") {
    return on_done();
  }
  reply.error = "expected SHA1 list, got '" + std::string(line) + "'";
  return reply;
}

void Negotiator::on_have(const git_oid& id, Reply& reply) {
  if (!graph_.has_object(id)) {  // they have what we do not
    got_other_ = true;
    if (multi_ack_ != MultiAck::kNone && ok_to_give_up()) {
      const bool detailed = multi_ack_ == MultiAck::kDetailed;
      sent_ready_ = sent_ready_ || detailed;
      reply.lines.push_back("ACK " + to_hex(id) + (detailed ? " ready\n" : " continue\n"));
    }
    return;
  }
  got_common_ = true;
  last_common_ = to_hex(id);
  if (common_set_.insert(id).second) {
    common_.push_back(id);
  }
  if (multi_ack_ == MultiAck::kDetailed) {
    reply.lines.push_back("ACK " + last_common_ + " common\n");
  } else if (multi_ack_ == MultiAck::kMultiAck) {
    reply.lines.push_back("ACK " + last_common_ + " continue\n");
  } else if (common_.size() == 1) {
    reply.lines.push_back("ACK " + last_common_ + "\n");
  }
}

Negotiator::Reply Negotiator::on_flush() {
  Reply reply;
  if (multi_ack_ == MultiAck::kDetailed && got_common_ && !got_other_ && ok_to_give_up()) {
    sent_ready_ = true;
    reply.lines.push_back("ACK " + last_common_ + " ready\n");
  }
  if (common_.empty() || multi_ack_ != MultiAck::kNone) {
    reply.lines.emplace_back("NAK\n");
  }
  if (no_done_ && sent_ready_) {
    // no-done: the client will not send "done" after a ready; the pack follows.
    reply.lines.push_back("ACK " + last_common_ + "\n");
    reply.finished = true;
  }
  got_common_ = false;
  got_other_ = false;
  return reply;
}

Negotiator::Reply Negotiator::on_done() {
  Reply reply;
  reply.finished = true;
  if (common_.empty()) {
    reply.lines.emplace_back("NAK\n");
  } else if (multi_ack_ != MultiAck::kNone) {
    reply.lines.push_back("ACK " + last_common_ + "\n");
  }
  return reply;
}

}  // namespace gitgate::git::detail
