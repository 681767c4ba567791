#include "git/receive/push_checks.h"

#include <fmt/format.h>
#include <git2/sys/odb_backend.h>

#include <algorithm>
#include <chrono>

#include "git/pack/libgit2.h"
#include "git/protocol/fetch.h"
#include "git/receive/connectivity.h"
#include "git/receive/pack_fsck.h"
#include "git/receive/ref_policy.h"

namespace gitgate::git::detail {
namespace {

// The pushed pack's objects alone.
OdbPtr open_pushed(const std::filesystem::path& index, std::string& error) {
  git_odb* raw = nullptr;
  if (git_odb_new(&raw) != 0) {
    error = last_error("cannot create an object database");
    return nullptr;
  }
  OdbPtr odb(raw);
  git_odb_backend* backend = nullptr;
  if (git_odb_backend_one_pack(&backend, index.c_str()) != 0) {
    error = last_error("cannot open the pushed pack");
    return nullptr;
  }
  if (git_odb_add_backend(odb.get(), backend, 1) != 0) {
    backend->free(backend);
    error = last_error("cannot open the pushed pack");
    return nullptr;
  }
  return odb;
}

// A second handle on the repository that sees the quarantine too (as an alternate): the
// rules' walks (fast-forward) start at pushed commits.
RepositoryPtr open_with_quarantine(const PushCheckInput& input, std::string& error) {
  auto opened = open_repository(input.repository);
  if (auto* failure = std::get_if<PackFailure>(&opened)) {
    error = failure->detail;
    return nullptr;
  }
  RepositoryPtr repo = std::move(std::get<RepositoryPtr>(opened));
  if (input.quarantine.empty()) {
    return repo;
  }
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo.get()) != 0) {
    error = last_error("cannot open the object database");
    return nullptr;
  }
  const OdbPtr owner(odb);
  if (git_odb_add_disk_alternate(odb, input.quarantine.c_str()) != 0) {
    error = last_error("cannot add the quarantine");
    return nullptr;
  }
  return repo;
}

std::string head_target(git_repository* repo) {
  git_reference* raw = nullptr;
  if (git_reference_lookup(&raw, repo, "HEAD") != 0) {
    return {};
  }
  const ReferencePtr head(raw);
  return git_reference_type(raw) == GIT_REFERENCE_SYMBOLIC ? git_reference_symbolic_target(raw)
                                                           : "";
}

// git's start_delayed_progress: nothing for the first two seconds (a quick check says
// nothing), then the count about once a second, and ", done." if anything was shown.
class DelayedProgress {
 public:
  DelayedProgress(std::string title, std::function<void(std::string_view)> sink)
      : title_(std::move(title)), sink_(std::move(sink)) {}
  void update(uint64_t count) {
    const auto now = std::chrono::steady_clock::now();
    if (!sink_ || now - start_ < kDelay || now - last_ < kEvery) {
      return;
    }
    last_ = now;
    shown_ = true;
    sink_(fmt::format("{}: {}\r", title_, count));
  }
  void done(uint64_t count) {
    if (shown_) {
      sink_(fmt::format("{}: {}, done.\n", title_, count));
    }
  }

 private:
  static constexpr auto kDelay = std::chrono::seconds(2);
  static constexpr auto kEvery = std::chrono::seconds(1);
  std::string title_;
  std::function<void(std::string_view)> sink_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  bool shown_ = false;
};

}  // namespace

void refuse_ready(std::vector<PushCommand>& commands, const std::string& reason) {
  for (PushCommand& command : commands) {
    command.refuse(reason);
  }
}

PushCheckOutcome check_push(const PushCheckInput& input, std::vector<PushCommand>& commands) {
  PushCheckOutcome outcome;
  OdbPtr pushed;
  if (!input.pack_index.empty()) {
    pushed = open_pushed(input.pack_index, outcome.server_error);
    if (!pushed) {
      outcome.unpack_error = "cannot read the pushed pack";
    } else if (input.fsck) {
      outcome.unpack_error = fsck_pushed_objects(pushed.get(), input.config->fsck_ignored);
    }
    if (outcome.unpack_error) {
      refuse_ready(commands, "unpacker error");
      return outcome;
    }
  }
  git_odb* raw = nullptr;
  if (git_repository_odb(&raw, input.repo) != 0) {
    outcome.server_error = last_error("cannot open the object database");
    refuse_ready(commands, "missing necessary objects");
    return outcome;
  }
  const OdbPtr repository(raw);
  ConnectivityCheck connectivity(repository.get(), pushed.get(), input.client_shallow);
  DelayedProgress progress("Checking connectivity", input.progress);
  connectivity.on_progress([&progress](uint64_t walked) { progress.update(walked); });
  for (PushCommand& command : commands) {
    if (command.ready() && !is_delete(command.command)) {
      if (auto problem = connectivity.check(command.command.new_id)) {
        command.refuse(std::move(*problem));
      }
    }
  }
  progress.done(connectivity.walked());
  const RepositoryPtr with_quarantine = open_with_quarantine(input, outcome.server_error);
  if (!with_quarantine) {
    refuse_ready(commands, "failed to update ref");
    return outcome;
  }
  PolicyContext policy{with_quarantine.get(), input.config, head_target(input.repo),
                       git_repository_is_bare(input.repo) != 0};
  outcome.messages = apply_ref_policy(commands, policy);
  if (input.atomic && std::any_of(commands.begin(), commands.end(),
                                  [](const PushCommand& c) { return !c.ready(); })) {
    refuse_ready(commands, "atomic push failure");
  }
  return outcome;
}

}  // namespace gitgate::git::detail
