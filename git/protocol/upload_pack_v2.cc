#include "git/protocol/upload_pack_v2.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "git/pack/libgit2.h"
#include "git/protocol/fetch.h"
#include "git/protocol/pktline.h"
#include "git/protocol/request_bounds.h"
#include "git/protocol/upload_pack_io.h"
#include "git/protocol/upload_pack_labels.h"
#include "git/protocol/v2_request.h"
#include "git/select/repo_graph.h"

namespace gitgate::git::detail {
namespace {

// Only what we honour. No sideband-all or packfile-uris; object-info answers size.
constexpr std::string_view kAdvertisement =
    "version 2\n"
    "agent=gitgate/0.1\n"
    "ls-refs=unborn\n"
    "fetch=shallow wait-for-done filter ref-in-want\n"
    "server-option\n"
    "object-format=sha1\n"
    "object-info\n";

// object-info answers are written out whenever this much is buffered.
constexpr size_t kObjectInfoFlushBytes = size_t{64} * 1024;

// One connection's state; each command gets what it needs from here.
struct Session {
  Session(const UploadPackRequest& req, Stream& stream)
      : request(req), stream(stream), labels(req.labels != nullptr ? *req.labels : own_labels, 2) {}

  const UploadPackRequest& request;
  Stream& stream;
  std::optional<pktline::PktReader> reader;
  RepositoryPtr repo;
  UploadPackResult result;
  RequestLabels own_labels;  // when the caller gave none
  UploadPackLabels labels;
  std::optional<NegotiationBudget> budget;  // of the fetch being served
};

enum class Step { kNext, kEnd, kFailed };

Step fail(Session& s, Output& out, const std::string& message, const std::string& detail = "") {
  out.fatal(message);
  s.result.exit_status = 128;
  s.result.error = detail.empty() ? message : message + ": " + detail;
  return Step::kFailed;
}

// Reads one request up to its final flush, parsing each packet as it arrives: nothing is
// buffered but the parsed arguments, and the limits are checked before each is stored.
std::variant<V2Request, Step> read_request(Session& s, Output& out) {
  V2RequestParser parser(s.request.limits);
  bool started = false;
  for (;;) {
    auto packet = s.reader->read();
    if (std::holds_alternative<pktline::PktReader::Eof>(packet)) {
      if (!started) {
        return Step::kEnd;  // the client hung up between commands
      }
      return fail(s, out, "the remote end hung up in the middle of a request");
    }
    if (auto* error = std::get_if<pktline::PktReader::Error>(&packet)) {
      return fail(s, out, "upload-pack: " + error->reason);
    }
    started = true;
    auto parsed = parser.feed(std::get<pktline::Packet>(packet));
    if (std::holds_alternative<V2EndOfSession>(parsed)) {
      return Step::kEnd;
    }
    if (const auto* invalid = std::get_if<V2Invalid>(&parsed)) {
      return fail(s, out, invalid->reason);
    }
    if (auto* done = std::get_if<V2Parsed>(&parsed)) {
      return std::move(done->request);
    }
  }
}

// ls-refs prefixes by length: a ref name is looked up once per distinct prefix length
// instead of compared with every prefix (up to max_ref_prefixes of them, times every ref).
class PrefixSet {
 public:
  explicit PrefixSet(const std::vector<std::string>& prefixes) {
    for (const std::string& prefix : prefixes) {
      prefixes_.insert(prefix);
      lengths_.insert(prefix.size());
    }
  }
  bool matches(std::string_view name) const {
    return prefixes_.empty() || std::any_of(lengths_.begin(), lengths_.end(), [&](size_t n) {
             return n <= name.size() && prefixes_.count(name.substr(0, n)) > 0;
           });
  }

 private:
  std::unordered_set<std::string_view> prefixes_;  // views of LsRefsArgs::prefixes
  std::set<size_t> lengths_;
};

//   output = *ref flush-pkt
//   ref = PKT-LINE(obj-id-or-unborn SP refname *(SP ref-attribute) LF)
//   ref-attribute = (symref-target:<target>) / (peeled:<oid>)
Step ls_refs(Session& s, Output& out, const LsRefsArgs& a) {
  auto refs = read_refs(s.repo.get());
  if (auto* error = std::get_if<std::string>(&refs)) {
    return fail(s, out, "upload-pack: cannot read the references", *error);
  }
  const auto& set = std::get<RefSet>(refs);
  const PrefixSet prefixes(a.prefixes);
  auto wanted = [&](const std::string& name) { return prefixes.matches(name); };
  const bool head_resolves = !set.refs.empty() && set.refs.front().name == "HEAD";
  if (!head_resolves && a.unborn && a.symrefs && !set.head_target.empty() && wanted("HEAD")) {
    out.line("unborn HEAD symref-target:" + set.head_target + "\n");
  }
  for (const AdvertisedRef& ref : set.refs) {
    if (!wanted(ref.name)) {
      continue;
    }
    std::string line = to_hex(ref.id) + " " + ref.name;
    if (a.symrefs && ref.name == "HEAD" && !set.head_target.empty()) {
      line += " symref-target:" + set.head_target;
    }
    if (a.peel && ref.peeled) {
      line += " peeled:" + to_hex(*ref.peeled);
    }
    out.line(line + "\n");
  }
  out.flush_pkt();
  if (!out.send()) {
    return fail(s, out, "the client went away");
  }
  s.labels.refs_served();
  return Step::kNext;
}

Step object_info(Session& s, Output& out, const ObjectInfoArgs& a) {
  if (!a.ids.empty()) {
    RepoGraph graph(s.repo.get());
    git_odb* raw = nullptr;
    if (git_repository_odb(&raw, s.repo.get()) != 0) {
      return fail(s, out, "upload-pack: cannot read objects", last_error("odb"));
    }
    OdbPtr odb(raw);
    if (a.size) {
      out.line("size\n");
    }
    for (const git_oid& id : a.ids) {
      size_t size = 0;
      git_object_t type = GIT_OBJECT_INVALID;
      std::string line = to_hex(id);
      if (git_odb_read_header(&size, &type, odb.get(), &id) != 0) {
        line += " ";
      } else if (a.size) {
        line += " " + std::to_string(size);
      }
      out.line(line + "\n");
      // A request of max_request_bytes of ids would otherwise buffer as much again here.
      if (out.pending_bytes() >= kObjectInfoFlushBytes && !out.send()) {
        return fail(s, out, "the client went away");
      }
    }
  }
  out.flush_pkt();
  return out.send() ? Step::kNext : fail(s, out, "the client went away");
}

// want-ref: the refs named exactly, as git's parse_want_ref (no hidden refs here).
Step resolve_want_refs(Session& s, Output& out, const RefSet& refs, FetchArgs& a,
                       std::vector<std::pair<std::string, git_oid>>& wanted_refs) {
  if (a.want_refs.empty()) {
    return Step::kNext;
  }
  std::unordered_map<std::string_view, git_oid> by_name;  // up to max_wants lookups
  for (const AdvertisedRef& ref : refs.refs) {
    by_name.emplace(ref.name, ref.id);
  }
  for (const std::string& name : a.want_refs) {
    const auto it = by_name.find(name);
    if (it == by_name.end()) {
      return fail(s, out, "unknown ref " + name);
    }
    wanted_refs.emplace_back(name, it->second);
    a.wants.push_back(it->second);
  }
  remove_duplicates(a.wants);
  return Step::kNext;
}

//   acknowledgments = PKT-LINE("acknowledgments" LF) (nak / *ack) (ready)
// Returns kNext when the pack follows, kEnd when this round ends with a flush.
Step acknowledge(Session& s, Output& out, const std::vector<git_oid>& common, bool ready) {
  out.line("acknowledgments\n");
  if (common.empty()) {
    out.line("NAK\n");
  }
  for (const git_oid& id : common) {
    out.line("ACK " + to_hex(id) + "\n");
  }
  if (ready) {
    out.line("ready\n");
    out.delim_pkt();
  } else {
    out.flush_pkt();
  }
  if (!out.send()) {
    return fail(s, out, "the client went away");
  }
  return ready ? Step::kNext : Step::kEnd;
}

//   shallow-info = PKT-LINE("shallow-info" LF) *PKT-LINE((shallow / unshallow) LF) delim-pkt
std::variant<std::optional<ShallowPlan>, Step> shallow_info(Session& s, Output& out,
                                                            const RefSet& refs,
                                                            const FetchArgs& a) {
  if (!a.shallow.any()) {
    return std::optional<ShallowPlan>();
  }
  auto plan = [&] {
    const PackSlot slot(out);
    const NegotiationBudget::Scope scope(*s.budget);
    return plan_shallow(s.repo.get(), refs, a.shallow, a.wants, &*s.budget);
  }();
  if (auto* error = std::get_if<ShallowError>(&plan)) {
    return error->server_fault
               ? fail(s, out, "upload-pack: cannot compute the shallow boundary", error->message)
               : fail(s, out, error->message);
  }
  auto& p = std::get<ShallowPlan>(plan);
  out.line("shallow-info\n");
  for (const git_oid& id : p.shallow) {
    out.line("shallow " + to_hex(id) + "\n");
  }
  for (const git_oid& id : p.unshallow) {
    out.line("unshallow " + to_hex(id) + "\n");
  }
  out.delim_pkt();
  s.labels.shallow_served();
  return std::optional<ShallowPlan>(std::move(p));
}

Step send_fetch_pack(Session& s, Output& out, const RefSet& refs, const FetchArgs& a,
                     const std::vector<git_oid>& common, const FilterSpec* filter,
                     const std::vector<std::pair<std::string, git_oid>>& wanted_refs) {
  // The sections in gitprotocol-v2's order, which is the order git's client reads.
  auto shallow = shallow_info(s, out, refs, a);
  if (auto* step = std::get_if<Step>(&shallow)) {
    return *step;
  }
  if (!wanted_refs.empty()) {
    out.line("wanted-refs\n");
    for (const auto& [name, id] : wanted_refs) {
      out.line(to_hex(id) + " " + name + "\n");
    }
    out.delim_pkt();
  }
  const auto& plan = std::get<std::optional<ShallowPlan>>(shallow);
  out.line("packfile\n");
  s.labels.pack_started(!a.haves.empty());
  out.set_side_band(pktline::SideBand::kSideBand64k);
  out.set_progress(!a.no_progress);
  out.begin_pack();
  if (!out.send()) {
    return fail(s, out, "the client went away");
  }
  PackRequest pack{{a.wants, common, a.include_tag}};
  pack.shallow = plan ? &*plan : nullptr;
  pack.filter = filter;
  pack.keepalive = s.request.keepalive;
  pack.ofs_delta = a.ofs_delta;
  pack.thin_pack = a.thin_pack;
  pack.cache = s.request.cache;
  const auto cache_used = [&s](CacheUse use) { s.labels.cache_used(use); };
  if (auto failure = send_pack(s.repo.get(), refs, pack, out, cache_used)) {
    return fail(s, out, "upload-pack: " + failure->what, failure->detail);
  }
  return Step::kNext;
}

struct Negotiated {
  std::vector<git_oid> common;  // the haves we have, in the order sent (already unique)
  bool ready = false;           // ok_to_give_up: every want reaches one of common
};

// What the wants and haves cost, in one CPU slot and within the negotiation budget: the
// wants checked together, the haves looked up once each, one walk to decide "ready".
std::variant<Negotiated, std::string> negotiate(Session& s, Output& out, const RefSet& refs,
                                                const FetchArgs& a) {
  const PackSlot slot(out);
  NegotiationBudget& budget = *s.budget;
  const NegotiationBudget::Scope scope(budget);
  RepoGraph graph(s.repo.get(), &budget);
  if (auto refused = graph.check_wants(refs, a.wants)) {
    return *refused;
  }
  Negotiated result;
  for (size_t i = 0; i < a.haves.size(); ++i) {
    if (i % 1024 == 0 && budget.exceeded()) {
      return budget.error();
    }
    if (graph.has_object(a.haves[i])) {
      result.common.push_back(a.haves[i]);
    }
  }
  result.ready = !a.wait_for_done && !a.done && ok_to_give_up(graph, a.wants, result.common);
  if (budget.exceeded()) {
    return budget.error();
  }
  return result;
}

//   fetch: args, then [acknowledgments] [wanted-refs] [shallow-info] [packfile]
Step fetch_v2(Session& s, Output& out, FetchArgs& a) {
  s.budget.emplace(s.request.limits.negotiation_budget);
  std::optional<FilterSpec> filter;
  if (a.filter) {
    auto spec = parse_filter(*a.filter);
    if (auto* error = std::get_if<std::string>(&spec)) {
      return fail(s, out, *error);
    }
    filter = std::get<FilterSpec>(spec);
  }
  auto refs = read_refs(s.repo.get());
  if (auto* error = std::get_if<std::string>(&refs)) {
    return fail(s, out, "upload-pack: cannot read the references", *error);
  }
  const auto& set = std::get<RefSet>(refs);
  std::vector<std::pair<std::string, git_oid>> wanted_refs;
  if (resolve_want_refs(s, out, set, a, wanted_refs) == Step::kFailed) {
    return Step::kFailed;
  }
  auto negotiated = negotiate(s, out, set, a);
  if (auto* error = std::get_if<std::string>(&negotiated)) {
    return fail(s, out, *error);
  }
  const auto& [common, ready] = std::get<Negotiated>(negotiated);
  if (a.wants.empty() && !a.wait_for_done) {
    return Step::kNext;  // as git: no wants, nothing to say
  }
  if (!a.haves.empty() && !a.done) {
    const Step step = acknowledge(s, out, common, ready);
    if (step != Step::kNext) {
      return step == Step::kEnd ? Step::kNext : step;
    }
  }
  if (a.wants.empty()) {
    out.flush_pkt();
    return out.send() ? Step::kNext : fail(s, out, "the client went away");
  }
  return send_fetch_pack(s, out, set, a, common, filter ? &*filter : nullptr, wanted_refs);
}

Step dispatch(Session& s, Output& out, V2Request& request) {
  if (auto* fetch = std::get_if<FetchArgs>(&request.args)) {
    return fetch_v2(s, out, *fetch);
  }
  if (auto* ls_refs_args = std::get_if<LsRefsArgs>(&request.args)) {
    return ls_refs(s, out, *ls_refs_args);
  }
  return object_info(s, out, std::get<ObjectInfoArgs>(request.args));
}

// The capability advertisement; false when the request already failed.
bool advertise(Session& s) {
  Output out(s.stream);
  auto repo = open_repository(s.request.repository);
  if (auto* failure = std::get_if<PackFailure>(&repo)) {
    fail(s, out, "upload-pack: " + failure->what, failure->detail);
    return false;
  }
  s.repo = std::move(std::get<RepositoryPtr>(repo));
  std::string advertisement;
  std::string_view lines = kAdvertisement;
  while (!lines.empty()) {
    const size_t end = lines.find('\n') + 1;
    pktline::append_data(advertisement, lines.substr(0, end));
    lines.remove_prefix(end);
  }
  pktline::append_flush(advertisement);
  out.raw(advertisement);
  if (!out.send()) {
    fail(s, out, "the client went away");
    return false;
  }
  return true;
}

// Commands until the client ends the session or one fails.
void serve_commands(Session& s) {
  s.reader.emplace(s.stream);
  for (;;) {
    Output out(s.stream);  // fresh per command: a finished pack's side-band state ends here
    auto next = read_request(s, out);
    if (std::holds_alternative<Step>(next) ||
        dispatch(s, out, std::get<V2Request>(next)) == Step::kFailed) {
      return;  // the end of the session, or a failure already reported
    }
  }
}

}  // namespace

UploadPackResult serve_upload_pack_v2(const UploadPackRequest& request, Stream& stream) {
  ensure_libgit2();
  Session s(request, stream);
  if (advertise(s)) {
    serve_commands(s);
  }
  // The labels describe what was served, also when a later command failed; a request
  // refused before any pack served nothing, as in v0: only the protocol.
  if (s.result.exit_status == 0) {
    s.labels.refs_served();
  } else {
    s.labels.failed();
    // Refused mid-request (too large, malformed, an unknown want): the rest of the
    // request may still be on its way. Bytes the pkt-line reader buffered are read already.
    drain_client(stream);
  }
  s.result.labels = s.labels.list();
  return s.result;
}

}  // namespace gitgate::git::detail
