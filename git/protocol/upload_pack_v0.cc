// git-upload-pack, protocol v0 and v1 (gitprotocol-pack): advertisement, wants,
// shallow, negotiation, pack.
#include "git/protocol/upload_pack_v0.h"

#include <optional>

#include "git/pack/libgit2.h"
#include "git/protocol/advertisement.h"
#include "git/protocol/fetch.h"
#include "git/protocol/negotiation.h"
#include "git/protocol/pktline.h"
#include "git/protocol/request_bounds.h"
#include "git/protocol/upload_pack_io.h"
#include "git/protocol/upload_pack_labels.h"
#include "git/select/object_filter.h"
#include "git/select/repo_graph.h"
#include "git/select/shallow.h"

namespace gitgate::git {
namespace {

using detail::ClientCapabilities;
using detail::Output;

// One request's state (git's upload_pack_data); v0 and v1 use all of it.
struct Session {
  Session(const UploadPackRequest& req, Stream& stream)
      : request(req),
        reader(stream),
        out(stream),
        meter(req.limits),
        budget(req.limits.negotiation_budget),
        labels(req.labels != nullptr ? *req.labels : own_labels,
               req.protocol_version == 1 ? 1 : 0) {}

  const UploadPackRequest& request;
  pktline::PktReader reader;
  Output out;
  int version = 0;  // the version spoken
  detail::RepositoryPtr repo;
  detail::RefSet refs;
  std::vector<git_oid> wants;
  ClientCapabilities caps;
  detail::ShallowRequest shallow;
  std::optional<detail::ShallowPlan> shallow_plan;
  std::optional<detail::FilterSpec> filter;
  std::optional<detail::RepoGraph> graph;
  std::optional<detail::Negotiator> negotiator;
  detail::RequestMeter meter;  // the want list and all the haves: one request
  detail::NegotiationBudget budget;
  UploadPackResult result;
  RequestLabels own_labels;  // when the caller gave none
  detail::UploadPackLabels labels;
};

enum class State { kAdvertise, kReadWants, kCheckWants, kShallow, kNegotiate, kSendPack, kDone };

// A client fault (or a refusal): the client and the log get the same message.
State fail(Session& s, const std::string& message) {
  s.out.fatal(message);
  s.result.exit_status = 128;
  s.result.error = message;
  return State::kDone;
}

// A server fault: libgit2's details (paths on the server) stay in the log.
State fail_internal(Session& s, const std::string& what, const std::string& detail) {
  fail(s, "upload-pack: " + what);
  s.result.error += ": " + detail;
  return State::kDone;
}

State advertise(Session& s) {
  auto repo = detail::open_repository(s.request.repository);
  if (auto* failure = std::get_if<detail::PackFailure>(&repo)) {
    return fail_internal(s, failure->what, failure->detail);
  }
  s.repo = std::move(std::get<detail::RepositoryPtr>(repo));
  auto refs = detail::read_refs(s.repo.get());
  if (auto* error = std::get_if<std::string>(&refs)) {
    return fail_internal(s, "cannot read the references", *error);
  }
  s.refs = std::move(std::get<detail::RefSet>(refs));
  if (s.version == 1) {
    s.out.line("version 1\n");
  }
  s.out.raw(detail::encode_advertisement(s.refs, detail::advertised_capabilities(s.refs)));
  if (!s.out.send()) {
    return fail(s, "the client went away");
  }
  s.labels.refs_served();
  return State::kReadWants;
}

// The lines besides wants in the want list: shallow, deepen*, filter.
//   filter-request = PKT-LINE("filter" SP filter-spec)
State on_other_line(Session& s, std::string_view line, const std::string& want_error) {
  if (line.starts_with("filter ")) {
    auto spec = detail::parse_filter(line.substr(7));
    if (auto* error = std::get_if<std::string>(&spec)) {
      return fail(s, "upload-pack: " + *error);
    }
    s.filter = std::move(std::get<detail::FilterSpec>(spec));
    return State::kReadWants;
  }
  // deepen-relative is a capability in v0/v1, not a line.
  auto shallow =
      line == "deepen-relative"
          ? std::variant<detail::LineUse, detail::ShallowLineError>(detail::LineUse::kNotMine)
          : detail::parse_shallow_line(line, s.shallow);
  if (auto* error = std::get_if<detail::ShallowLineError>(&shallow)) {
    return fail(s, "upload-pack: " + error->reason);
  }
  if (std::get<detail::LineUse>(shallow) == detail::LineUse::kNotMine) {
    return fail(s, "upload-pack: " + want_error);
  }
  return State::kReadWants;
}

// Returns kReadWants to keep reading, kNegotiate after the flush, or an end state.
State on_want_line(Session& s, std::string_view line) {
  if (auto error = s.meter.add_line(line)) {
    return fail(s, *error);
  }
  auto parsed = detail::parse_want(line);
  if (auto* bad = std::get_if<detail::BadLine>(&parsed)) {
    return on_other_line(s, line, bad->reason);
  }
  const auto& want = std::get<detail::WantLine>(parsed);
  if (s.wants.empty()) {
    s.caps = detail::parse_capabilities(want.capabilities);
    s.out.set_side_band(s.caps.side_band);
  }
  s.wants.push_back(want.id);
  return State::kReadWants;
}

State read_wants(Session& s) {
  for (;;) {
    auto packet = s.reader.read();
    if (std::holds_alternative<pktline::PktReader::Eof>(packet)) {
      // A client that hangs up before any want only wanted the refs (labelled "refs" since
      // the advertisement went out).
      return s.wants.empty() ? State::kDone : fail(s, "the remote end hung up");
    }
    if (auto* error = std::get_if<pktline::PktReader::Error>(&packet)) {
      return fail(s, "upload-pack: " + error->reason);
    }
    const auto& p = std::get<pktline::Packet>(packet);
    if (auto error = s.meter.add_bytes(p.consumed)) {
      return fail(s, *error);
    }
    if (p.kind == pktline::PacketKind::kFlush) {
      if (s.wants.empty()) {
        return State::kDone;  // refs only
      }
      if (auto error = detail::check_shallow_request(s.shallow)) {
        return fail(s, *error);
      }
      return State::kCheckWants;
    }
    if (p.kind != pktline::PacketKind::kData) {
      return fail(s, "upload-pack: protocol error, unexpected special packet");
    }
    if (on_want_line(s, pktline::chomp(p.payload)) == State::kDone) {
      return State::kDone;
    }
  }
}

// All wants in one walk, in a CPU slot, within the negotiation budget.
State check_wants(Session& s) {
  detail::remove_duplicates(s.wants);
  s.graph.emplace(s.repo.get(), &s.budget);
  {
    const detail::PackSlot slot(s.out);
    const detail::NegotiationBudget::Scope scope(s.budget);
    if (auto refused = s.graph->check_wants(s.refs, s.wants)) {
      return fail(s, *refused);
    }
  }
  s.negotiator.emplace(*s.graph, s.wants, s.caps.multi_ack, s.caps.no_done);
  return s.shallow.any() ? State::kShallow : State::kNegotiate;
}

//   shallow-update = *shallow-line *unshallow-line flush-pkt   (only after deepen*)
State send_shallow_update(Session& s) {
  s.shallow.relative = s.caps.deepen_relative;
  auto plan = [&] {
    const detail::PackSlot slot(s.out);
    const detail::NegotiationBudget::Scope scope(s.budget);
    return detail::plan_shallow(s.repo.get(), s.refs, s.shallow, s.wants, &s.budget);
  }();
  if (auto* error = std::get_if<detail::ShallowError>(&plan)) {
    return error->server_fault
               ? fail_internal(s, "cannot compute the shallow boundary", error->message)
               : fail(s, error->message);
  }
  s.shallow_plan = std::move(std::get<detail::ShallowPlan>(plan));
  if (!s.shallow.deepens()) {
    return State::kNegotiate;  // shallow lines alone: nothing to say
  }
  for (const git_oid& id : s.shallow_plan->shallow) {
    s.out.line("shallow " + detail::to_hex(id) + "\n");
  }
  for (const git_oid& id : s.shallow_plan->unshallow) {
    s.out.line("unshallow " + detail::to_hex(id) + "\n");
  }
  s.out.flush_pkt();
  return s.out.send() ? State::kNegotiate : fail(s, "the client went away");
}

State negotiate(Session& s) {
  for (;;) {
    auto packet = s.reader.read();
    if (std::holds_alternative<pktline::PktReader::Eof>(packet)) {
      return fail(s, "the remote end hung up during negotiation");
    }
    if (auto* error = std::get_if<pktline::PktReader::Error>(&packet)) {
      return fail(s, "upload-pack: " + error->reason);
    }
    const auto& p = std::get<pktline::Packet>(packet);
    const std::string_view line = pktline::chomp(p.payload);
    auto error = s.meter.add_bytes(p.consumed);
    if (!error && p.kind == pktline::PacketKind::kData) {
      error = s.meter.add_line(line);
    }
    if (error) {
      return fail(s, *error);
    }
    const detail::NegotiationBudget::Scope scope(s.budget);
    const auto reply = p.kind == pktline::PacketKind::kFlush ? s.negotiator->on_flush()
                                                             : s.negotiator->on_line(line);
    if (!reply.error.empty()) {
      return fail(s, "upload-pack: " + reply.error);
    }
    if (s.budget.exceeded()) {
      return fail(s, s.budget.error());
    }
    for (const std::string& reply_line : reply.lines) {
      s.out.line(reply_line);
    }
    if (!s.out.send()) {
      return fail(s, "the client went away");
    }
    if (reply.finished) {
      return State::kSendPack;
    }
  }
}

State send_pack(Session& s) {
  if (s.shallow.any()) {
    s.labels.shallow_served();
  }
  s.labels.pack_started(s.negotiator->received_haves());
  s.out.set_progress(!s.caps.no_progress);
  s.out.begin_pack();
  detail::PackRequest pack{{s.wants, s.negotiator->common(), s.caps.include_tag}};
  pack.shallow = s.shallow_plan ? &*s.shallow_plan : nullptr;
  pack.filter = s.filter ? &*s.filter : nullptr;
  pack.keepalive = s.request.keepalive;
  pack.ofs_delta = s.caps.ofs_delta;
  pack.thin_pack = s.caps.thin_pack;
  pack.cache = s.request.cache;
  const auto cache_used = [&s](detail::CacheUse use) { s.labels.cache_used(use); };
  auto failure = detail::send_pack(s.repo.get(), s.refs, pack, s.out, cache_used);
  if (failure) {
    return failure->detail.empty() ? fail(s, failure->what)
                                   : fail_internal(s, failure->what, failure->detail);
  }
  return State::kDone;
}

}  // namespace

namespace detail {

UploadPackResult serve_upload_pack_v0(const UploadPackRequest& request, Stream& stream) {
  Session s(request, stream);
  s.version = request.protocol_version == 1 ? 1 : 0;
  State state = State::kAdvertise;
  while (state != State::kDone) {
    switch (state) {
      case State::kAdvertise:
        state = advertise(s);
        break;
      case State::kReadWants:
        state = read_wants(s);
        break;
      case State::kCheckWants:
        state = check_wants(s);
        break;
      case State::kShallow:
        state = send_shallow_update(s);
        break;
      case State::kNegotiate:
        state = negotiate(s);
        break;
      case State::kSendPack:
        state = send_pack(s);
        break;
      case State::kDone:
        break;
    }
  }
  if (s.result.exit_status != 0) {
    s.labels.failed();             // a refused request served nothing: only the protocol
    detail::drain_client(stream);  // the client may still be sending its haves
  }
  s.result.labels = s.labels.list();
  return s.result;
}

}  // namespace detail
}  // namespace gitgate::git
