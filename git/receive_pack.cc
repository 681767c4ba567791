// git-receive-pack, protocol v0 and v1 (gitprotocol-pack "Pushing Data To a Server"); a
// client asking for v2 is answered in v0, as git does (push has no v2).
#include "git/receive_pack.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "git/pack/libgit2.h"
#include "git/protocol/fetch.h"
#include "git/protocol/pktline.h"
#include "git/protocol/upload_pack_io.h"
#include "git/receive/commands.h"
#include "git/receive/maintenance.h"
#include "git/receive/pack_indexer.h"
#include "git/receive/pack_receiver.h"
#include "git/receive/push_advertisement.h"
#include "git/receive/push_checks.h"
#include "git/receive/push_hooks.h"
#include "git/receive/quarantine.h"
#include "git/receive/receive_config.h"
#include "git/receive/ref_update.h"
#include "git/receive/report_status.h"

namespace gitgate::git {
namespace {

using detail::Output;
using detail::PushCommand;

// One push's state (git's receive-pack globals, gathered).
struct Session {
  Session(const ReceivePackRequest& req, Stream& s)
      : request(req),
        stream(s),
        reader(s),
        out(s),
        labels(req.labels != nullptr ? *req.labels : own_labels) {}

  const ReceivePackRequest& request;
  Stream& stream;
  pktline::PktReader reader;
  Output out;
  int version = 0;
  detail::RepositoryPtr repo;
  detail::ReceiveConfig config;
  detail::UpdateRequest update;
  std::vector<PushCommand> commands;
  std::vector<std::string> push_options;
  std::optional<detail::Quarantine> quarantine;
  std::filesystem::path pack_index;         // the indexed pushed pack, empty when none
  std::optional<std::string> unpack_error;  // the report's unpack status when not "ok"
  bool pack_cut_short = false;              // refused before its end: the client may still send
  ReceivePackResult result;
  RequestLabels own_labels;  // when the caller gave none
  RequestLabels& labels;
};

enum class State { kAdvertise, kReadCommands, kReadOptions, kReceivePack, kCheck, kUpdate, kDone };

// A client fault (or a refusal): the client and the log get the same message.
State fail(Session& s, const std::string& message) {
  s.out.fatal(message);
  s.result.exit_status = 128;
  s.result.error = message;
  return State::kDone;
}

// A server fault: libgit2's details (paths on the server) stay in the log.
State fail_internal(Session& s, const std::string& what, const std::string& detail) {
  fail(s, "receive-pack: " + what);
  s.result.error += ": " + detail;
  return State::kDone;
}

void tell(Session& s, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    s.out.message(line + "\n");
  }
}

State advertise(Session& s) {
  auto repo = detail::open_repository(s.request.repository);
  if (auto* failure = std::get_if<detail::PackFailure>(&repo)) {
    return fail_internal(s, failure->what, failure->detail);
  }
  s.repo = std::move(std::get<detail::RepositoryPtr>(repo));
  auto config = detail::read_receive_config(s.repo.get());
  if (auto* error = std::get_if<std::string>(&config)) {
    return fail_internal(s, "cannot read the repository's configuration", *error);
  }
  s.config = std::move(std::get<detail::ReceiveConfig>(config));
  auto refs = detail::read_refs(s.repo.get());
  if (auto* error = std::get_if<std::string>(&refs)) {
    return fail_internal(s, "cannot read the references", *error);
  }
  if (s.version == 1) {
    s.out.line("version 1\n");
  }
  const detail::RefSet visible =
      detail::visible_push_refs(std::get<detail::RefSet>(refs), s.config.hide_refs);
  s.out.raw(
      detail::encode_push_advertisement(visible, detail::alternate_tips(s.repo.get(), visible)));
  return s.out.send() ? State::kReadCommands : fail(s, "the client went away");
}

// The packets up to the command list's flush. A client that hangs up or flushes before
// any command had nothing to push (or only listed the refs).
State read_commands(Session& s) {
  detail::UpdateRequestParser parser(s.request.settings);
  for (bool first = true;; first = false) {
    auto packet = s.reader.read();
    if (std::holds_alternative<pktline::PktReader::Eof>(packet)) {
      return first ? State::kDone : fail(s, "the remote end hung up");
    }
    if (auto* error = std::get_if<pktline::PktReader::Error>(&packet)) {
      return fail(s, "receive-pack: " + error->reason);
    }
    auto parsed = parser.feed(std::get<pktline::Packet>(packet));
    if (std::holds_alternative<detail::UpdateNeedMore>(parsed)) {
      continue;
    }
    if (std::holds_alternative<detail::UpdateEmpty>(parsed)) {
      return State::kDone;
    }
    if (auto* invalid = std::get_if<detail::UpdateInvalid>(&parsed)) {
      return fail(s, invalid->reason);
    }
    s.update = std::move(std::get<detail::UpdateParsed>(parsed).request);
    break;
  }
  const auto& caps = s.update.capabilities;
  s.out.set_side_band(caps.side_band_64k ? pktline::SideBand::kSideBand64k
                                         : pktline::SideBand::kNone);
  s.out.set_progress(!caps.quiet);
  if (caps.side_band_64k) {
    s.out.begin_pack();  // from here a fatal error travels on band 3
  }
  if (caps.atomic) {
    s.labels.add("atomic");
  }
  for (detail::RefCommand& command : s.update.commands) {
    s.commands.push_back({std::move(command), {}});
  }
  return caps.push_options ? State::kReadOptions : State::kReceivePack;
}

State read_options(Session& s) {
  detail::PushOptionsParser parser(s.request.settings);
  for (;;) {
    auto packet = s.reader.read();
    if (std::holds_alternative<pktline::PktReader::Eof>(packet)) {
      return fail(s, "the remote end hung up before its push options");
    }
    if (auto* error = std::get_if<pktline::PktReader::Error>(&packet)) {
      return fail(s, "receive-pack: " + error->reason);
    }
    auto parsed = parser.feed(std::get<pktline::Packet>(packet));
    if (auto* invalid = std::get_if<detail::UpdateInvalid>(&parsed)) {
      return fail(s, invalid->reason);
    }
    if (auto* options = std::get_if<detail::PushOptionsParsed>(&parsed)) {
      s.push_options = std::move(options->options);
      return State::kReceivePack;
    }
  }
}

// git's index-pack --show-resolving-progress, throttled to whole percents.
detail::IndexProgress resolving_progress(Output& out) {
  auto last = std::make_shared<int>(-1);
  return {[&out, last](uint32_t resolved, uint32_t total) {
    const int percent = total == 0 ? 100 : static_cast<int>(uint64_t{resolved} * 100 / total);
    if (percent == *last) {
      return;
    }
    *last = percent;
    out.progress(fmt::format("Resolving deltas: {:3}% ({}/{}){}", percent, resolved, total,
                             resolved == total ? ", done.\n" : "\r"));
  }};
}

// Only when some command needs objects does a pack follow (git's delete_only()).
State receive_pack(Session& s) {
  const bool needs_pack = std::any_of(s.commands.begin(), s.commands.end(),
                                      [](const PushCommand& c) { return !is_delete(c.command); });
  if (!needs_pack) {
    return State::kCheck;
  }
  auto quarantine = detail::Quarantine::create(s.repo.get());
  if (auto* error = std::get_if<std::string>(&quarantine)) {
    return fail_internal(s, "unable to create temporary object directory", *error);
  }
  s.quarantine.emplace(std::move(std::get<detail::Quarantine>(quarantine)));
  const auto file = s.quarantine->pack_directory() / "receive.pack";
  auto received =
      detail::receive_pack_file(s.stream, s.reader.take_buffered(), file, s.request.settings);
  if (auto* failure = std::get_if<detail::PackReceiveFailure>(&received)) {
    s.result.pack_bytes = failure->bytes;
    if (failure->client_gone) {
      return fail(s, failure->reason);
    }
    s.unpack_error = failure->reason;
    s.pack_cut_short = true;
    s.out.message("error: " + failure->reason + "\n");
    return State::kCheck;
  }
  const auto pack = std::get<detail::ReceivedPack>(received);
  s.result.pack_bytes = pack.bytes;
  if (pack.objects == 0) {
    std::filesystem::remove(file);  // an empty pack: the client had every object already
    return State::kCheck;
  }
  const detail::Keepalive keepalive(s.out, s.request.keepalive);
  auto indexed =
      detail::index_pack(file, s.repo.get(), s.request.settings, resolving_progress(s.out));
  if (auto* failure = std::get_if<detail::IndexFailure>(&indexed)) {
    s.unpack_error = failure->reason;
    s.out.message("error: " + failure->reason + "\n");
    return State::kCheck;
  }
  s.pack_index = std::get<detail::IndexedPack>(indexed).index;
  return State::kCheck;
}

detail::Environment hook_environment(const Session& s) {
  const Pusher& p = s.request.pusher;
  detail::Environment env = detail::push_option_environment(s.push_options);
  env.emplace_back("GITGATE_USER_NAME", p.user_name);
  env.emplace_back("GITGATE_USER_ID", std::to_string(p.user_id));
  env.emplace_back("GITGATE_CLIENT_ADDRESS", p.client_address);
  env.emplace_back("GITGATE_REQUEST_ID", p.request_id);
  return env;
}

bool run_hook(Session& s, std::string name, std::vector<std::string> args, std::string input,
              bool quarantined) {
  if (!s.request.settings.hooks) {
    return true;
  }
  detail::PushHookRun run{s.request.repository, std::move(name), std::move(args), std::move(input),
                          hook_environment(s)};
  if (quarantined && s.quarantine) {
    auto env = detail::quarantine_environment(*s.quarantine);
    run.environment.insert(run.environment.end(), env.begin(), env.end());
  }
  run.timeout = s.request.settings.hook_timeout;
  run.keepalive = s.request.keepalive;
  return detail::run_push_hook(run, s.out);
}

bool any_ready(const std::vector<PushCommand>& commands) {
  return std::any_of(commands.begin(), commands.end(),
                     [](const PushCommand& c) { return c.ready(); });
}

// The checks, then pre-receive and update hooks, all while the objects are quarantined.
State check(Session& s) {
  const detail::Keepalive keepalive(s.out, s.request.keepalive);
  if (s.unpack_error) {
    detail::refuse_ready(s.commands, "unpacker error");
    return State::kUpdate;
  }
  detail::PushCheckInput input;
  input.repository = s.request.repository;
  input.repo = s.repo.get();
  input.pack_index = s.pack_index;
  input.quarantine = s.quarantine ? s.quarantine->directory() : std::filesystem::path();
  input.fsck = s.request.settings.fsck;
  input.client_shallow = s.update.shallow;
  input.config = &s.config;
  input.atomic = s.update.capabilities.atomic;
  input.progress = [&out = s.out](std::string_view text) { out.progress(text); };
  auto outcome = detail::check_push(input, s.commands);
  s.unpack_error = outcome.unpack_error;
  tell(s, outcome.messages);
  if (!outcome.server_error.empty()) {
    s.result.error = outcome.server_error;
  }
  if (!any_ready(s.commands)) {
    return State::kUpdate;
  }
  if (!run_hook(s, "pre-receive", {}, detail::receive_hook_input(s.commands, false), true)) {
    detail::refuse_ready(s.commands, "pre-receive hook declined");
    return State::kUpdate;
  }
  for (PushCommand& c : s.commands) {
    if (!c.ready()) {
      continue;
    }
    const auto& cmd = c.command;
    if (!run_hook(s, "update", {cmd.ref, detail::to_hex(cmd.old_id), detail::to_hex(cmd.new_id)},
                  {}, true)) {
      s.out.message("error: hook declined to update " + cmd.ref + "\n");
      c.refuse("hook declined");
      if (s.update.capabilities.atomic) {
        detail::refuse_ready(s.commands, "atomic push failure");
        break;
      }
    }
  }
  return State::kUpdate;
}

std::vector<std::string> updated_refs(const Session& s) {
  std::vector<std::string> refs;
  for (const PushCommand& c : s.commands) {
    if (c.ready()) {
      refs.push_back(c.command.ref);
    }
  }
  return refs;
}

// Migrate, move the refs, report, then the post hooks and maintenance.
State update(Session& s) {
  const detail::Keepalive keepalive(s.out, s.request.keepalive);
  if (any_ready(s.commands)) {
    if (s.quarantine) {
      if (auto error = s.quarantine->migrate()) {
        s.result.error = "migrate: " + *error;
        detail::refuse_ready(s.commands, "unable to migrate objects to permanent storage");
      }
    }
    tell(s, detail::update_refs(s.repo.get(), s.commands, s.update.capabilities.atomic));
  }
  s.quarantine.reset();  // removes whatever was not migrated
  const auto& caps = s.update.capabilities;
  if (caps.report_status || caps.report_status_v2) {
    const std::string report = detail::encode_report(s.unpack_error, s.commands);
    s.out.pack_data({reinterpret_cast<const uint8_t*>(report.data()), report.size()});
    s.out.send();
  }
  const std::vector<std::string> updated = updated_refs(s);
  if (!updated.empty()) {
    run_hook(s, "post-receive", {}, detail::receive_hook_input(s.commands, true), false);
    run_hook(s, "post-update", updated, {}, false);
    // [push] auto_maintenance for the server, receive.autoGc for one repository (git's).
    if (s.request.settings.auto_maintenance && s.config.auto_gc && !s.pack_index.empty()) {
      detail::start_auto_maintenance(s.request.repository);
    }
  }
  return State::kDone;
}

void label_refusals(Session& s) {
  std::string refused;
  for (const PushCommand& c : s.commands) {
    if (!c.ready()) {
      refused += (refused.empty() ? "" : "; ") + c.command.ref + ": " + c.error;
    }
  }
  if (refused.empty() && !s.unpack_error) {
    return;
  }
  s.labels.add("rejected");
  if (s.result.error.empty()) {
    s.result.error = s.unpack_error ? "unpack: " + *s.unpack_error + "; " + refused : refused;
  }
}

}  // namespace

ReceivePackResult serve_receive_pack(const ReceivePackRequest& request, Stream& stream) {
  detail::ensure_libgit2();
  Session s(request, stream);
  s.version = request.protocol_version == 1 ? 1 : 0;
  s.labels.add("push");
  s.labels.add("protocol:" + std::to_string(s.version));
  State state = State::kAdvertise;
  while (state != State::kDone) {
    switch (state) {
      case State::kAdvertise:
        state = advertise(s);
        break;
      case State::kReadCommands:
        state = read_commands(s);
        break;
      case State::kReadOptions:
        state = read_options(s);
        break;
      case State::kReceivePack:
        state = receive_pack(s);
        break;
      case State::kCheck:
        state = check(s);
        break;
      case State::kUpdate:
        state = update(s);
        break;
      case State::kDone:
        break;
    }
  }
  if (s.result.exit_status != 0) {
    s.quarantine.reset();
    detail::drain_client(stream);
    s.result.labels = s.labels.list();
    return s.result;
  }
  label_refusals(s);
  s.result.labels = s.labels.list();
  if (s.update.capabilities.side_band_64k) {
    s.out.end_pack();  // the flush that ends side-band output (git: packet_flush(1))
  }
  if (s.pack_cut_short) {
    // git's client reads the report only once it has written its whole pack: what is
    // left of a small one is read and dropped so that the client sees why, not a broken
    // pipe. A large rest is cut off at drain_client's limit.
    detail::drain_client(stream);
  }
  return s.result;
}

}  // namespace gitgate::git
