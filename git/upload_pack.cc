// git-upload-pack, protocol v0 and v1 (gitprotocol-pack). Version 2 requests are
// answered in v0 for now, as git's own upload-pack does when v2 is not enabled:
// clients accept a v0 advertisement whatever they asked for.
#include "git/upload_pack.h"

#include <optional>

#include "git/detail/advertisement.h"
#include "git/detail/libgit2.h"
#include "git/detail/negotiation.h"
#include "git/detail/object_selection.h"
#include "git/detail/repo_graph.h"
#include "git/detail/upload_pack_io.h"
#include "git/pack_writer.h"
#include "git/pktline.h"

namespace gitgate::git {
namespace {

using detail::ClientCapabilities;
using detail::Output;

// One request's state (git's upload_pack_data); v0 and v1 use all of it.
struct Session {
  Session(const UploadPackRequest& req, Stream& stream)
      : request(req), reader(stream), out(stream) {}

  const UploadPackRequest& request;
  pktline::PktReader reader;
  Output out;
  int version = 0;  // the version spoken
  detail::RepositoryPtr repo;
  detail::RefSet refs;
  std::vector<git_oid> wants;
  ClientCapabilities caps;
  std::optional<detail::RepoGraph> graph;
  std::optional<detail::Negotiator> negotiator;
  UploadPackResult result;
};

enum class State { kAdvertise, kReadWants, kCheckWants, kNegotiate, kSendPack, kDone };

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

State finish_refs_only(Session& s) {
  s.result.labels.insert(s.result.labels.begin(), "refs");
  return State::kDone;
}

State advertise(Session& s) {
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, s.request.repository.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH,
                              nullptr) != 0) {
    return fail_internal(s, "cannot open the repository", detail::last_error("unknown error"));
  }
  s.repo.reset(raw);
  auto refs = detail::read_refs(s.repo.get());
  if (auto* error = std::get_if<std::string>(&refs)) {
    return fail_internal(s, "cannot read the references", *error);
  }
  s.refs = std::move(std::get<detail::RefSet>(refs));
  if (s.version == 1) {
    s.out.line("version 1\n");
  }
  s.out.raw(detail::encode_advertisement(s.refs, detail::advertised_capabilities(s.refs)));
  return s.out.send() ? State::kReadWants : fail(s, "the client went away");
}

// Returns kReadWants to keep reading, kNegotiate after the flush, or an end state.
State on_want_line(Session& s, std::string_view line) {
  auto parsed = detail::parse_want(line);
  if (auto* bad = std::get_if<detail::BadLine>(&parsed)) {
    if (line.starts_with("shallow ") || line.starts_with("deepen") || line.starts_with("filter ")) {
      return fail(s, "upload-pack: shallow and partial clones are not supported");
    }
    return fail(s, "upload-pack: " + bad->reason);
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
      // A client that hangs up before any want only wanted the refs.
      return s.wants.empty() ? finish_refs_only(s) : fail(s, "the remote end hung up");
    }
    if (auto* error = std::get_if<pktline::PktReader::Error>(&packet)) {
      return fail(s, "upload-pack: " + error->reason);
    }
    const auto& p = std::get<pktline::Packet>(packet);
    if (p.kind == pktline::PacketKind::kFlush) {
      return s.wants.empty() ? finish_refs_only(s) : State::kCheckWants;
    }
    if (p.kind != pktline::PacketKind::kData) {
      return fail(s, "upload-pack: protocol error, unexpected special packet");
    }
    if (on_want_line(s, pktline::chomp(p.payload)) == State::kDone) {
      return State::kDone;
    }
  }
}

State check_wants(Session& s) {
  s.graph.emplace(s.repo.get());
  for (const git_oid& want : s.wants) {
    if (auto refused = s.graph->check_want(s.refs, want)) {
      return fail(s, *refused);
    }
  }
  s.negotiator.emplace(*s.graph, s.wants, s.caps.multi_ack, s.caps.no_done);
  return State::kNegotiate;
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
    const auto reply = p.kind == pktline::PacketKind::kFlush
                           ? s.negotiator->on_flush()
                           : s.negotiator->on_line(pktline::chomp(p.payload));
    if (!reply.error.empty()) {
      return fail(s, "upload-pack: " + reply.error);
    }
    for (const std::string& line : reply.lines) {
      s.out.line(line);
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
  s.result.labels.insert(s.result.labels.begin(),
                         s.negotiator->received_haves() ? "fetch" : "clone");
  s.out.set_progress(!s.caps.no_progress);
  s.out.begin_pack();
  detail::SelectionRequest selection{s.wants, s.negotiator->common(), s.caps.include_tag};
  auto objects = detail::select_objects(s.repo.get(), s.refs, selection);
  if (auto* error = std::get_if<std::string>(&objects)) {
    return fail_internal(s, "cannot enumerate the objects to send", *error);
  }
  const auto& set = std::get<ObjectSet>(objects);
  s.out.progress("Enumerating objects: " + std::to_string(set.objects.size()) + ", done.\n");
  if (auto error = make_libgit2_pack_writer()->write(s.repo.get(), set, s.out)) {
    return fail_internal(s, "cannot write the pack", *error);
  }
  return s.out.end_pack() ? State::kDone : fail(s, "the client went away");
}

}  // namespace

UploadPackResult serve_upload_pack(const UploadPackRequest& request, Stream& stream) {
  detail::ensure_libgit2();
  Session s(request, stream);
  s.version = request.protocol_version == 1 ? 1 : 0;
  s.result.labels.push_back("protocol:" + std::to_string(s.version));
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
  return s.result;
}

}  // namespace gitgate::git
