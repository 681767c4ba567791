#include "git/receive/ref_update.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "git/pack/libgit2.h"
#include "git/receive/ref_name.h"

namespace gitgate::git::detail {
namespace {

using TransactionPtr =
    std::unique_ptr<git_transaction, Deleter<git_transaction, git_transaction_free>>;

constexpr const char* kReflogMessage = "push";

TransactionPtr begin(git_repository* repo) {
  git_transaction* raw = nullptr;
  return TransactionPtr(git_transaction_new(&raw, repo) == 0 ? raw : nullptr);
}

// git's files backend waits core.filesRefLockTimeout (100 ms) for a lock another writer
// holds before it gives up; libgit2 gives up at once. Waiting as git does lets a push
// that meets a short-lived lock (another ref's update rewriting packed-refs, a racing
// push that will fail) go on to the old-value check instead of failing.
constexpr auto kLockTimeout = std::chrono::milliseconds(100);

int lock_ref(git_transaction* tx, const std::string& ref) {
  const auto deadline = std::chrono::steady_clock::now() + kLockTimeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    const int rc = git_transaction_lock_ref(tx, ref.c_str());
    if (rc != GIT_ELOCKED || std::chrono::steady_clock::now() + pause > deadline) {
      return rc;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

// git updates the ref a symbolic ref names, not the symbolic ref itself (the files
// backend follows it unless told REF_NO_DEREF): a push to refs/heads/alias moves the
// branch alias points at. Followed only to refs a push may name, a few levels deep.
constexpr int kMaxSymrefDepth = 5;

std::string update_target(git_repository* repo, const RefCommand& c) {
  std::string name = c.ref;
  if (is_delete(c)) {
    return name;  // a symbolic ref is deleted as itself, or refused below
  }
  for (int depth = 0; depth < kMaxSymrefDepth; ++depth) {
    git_reference* raw = nullptr;
    if (git_reference_lookup(&raw, repo, name.c_str()) != 0) {
      break;
    }
    const ReferencePtr ref(raw);
    if (git_reference_type(raw) != GIT_REFERENCE_SYMBOLIC) {
      break;
    }
    const std::string target = git_reference_symbolic_target(raw);
    if (!target.starts_with("refs/") || check_pushed_ref_name(target)) {
      break;
    }
    name = target;
  }
  return name;
}

// Locks the ref and compares its value with the command's old id. The lock is held
// until the transaction is committed or freed (freeing removes the .lock file).
std::optional<std::string> lock_and_check(git_repository* repo, git_transaction* tx,
                                          const RefCommand& c, std::vector<std::string>& messages) {
  if (lock_ref(tx, c.ref) != 0) {
    messages.push_back("error: cannot lock ref '" + c.ref + "': " + last_error("lock failed"));
    return std::string("failed to lock");
  }
  git_reference* raw = nullptr;
  const int found = git_reference_lookup(&raw, repo, c.ref.c_str());
  const ReferencePtr current(found == 0 ? raw : nullptr);
  if (found != 0 && found != GIT_ENOTFOUND) {
    messages.push_back("error: cannot read ref '" + c.ref + "': " + last_error("lookup failed"));
    return std::string("failed to update ref");
  }
  if (is_create(c)) {
    if (current) {
      return std::string("reference already exists");
    }
    return std::nullopt;
  }
  if (!current) {
    return std::string("reference does not exist");
  }
  if (git_reference_type(current.get()) != GIT_REFERENCE_DIRECT) {
    // Writing an id here would replace the symbolic ref itself, not what it points at.
    return std::string("cannot update a symbolic ref");
  }
  if (git_oid_equal(git_reference_target(current.get()), &c.old_id) == 0) {
    return std::string("incorrect old value provided");
  }
  return std::nullopt;
}

bool stage(git_transaction* tx, const RefCommand& c) {
  return is_delete(c) ? git_transaction_remove(tx, c.ref.c_str()) == 0
                      : git_transaction_set_target(tx, c.ref.c_str(), &c.new_id, nullptr,
                                                   kReflogMessage) == 0;
}

const char* write_failure(const RefCommand& c) {
  return is_delete(c) ? "failed to delete" : "failed to update ref";
}

RefCommand resolved(git_repository* repo, const RefCommand& c) {
  RefCommand out = c;
  out.ref = update_target(repo, c);
  return out;
}

void update_one(git_repository* repo, PushCommand& command, std::vector<std::string>& messages) {
  const TransactionPtr tx = begin(repo);
  if (!tx) {
    command.refuse("transaction failed to start");
    return;
  }
  const RefCommand target = resolved(repo, command.command);
  if (auto problem = lock_and_check(repo, tx.get(), target, messages)) {
    command.refuse(std::move(*problem));
    return;
  }
  if (!stage(tx.get(), target) || git_transaction_commit(tx.get()) != 0) {
    messages.push_back("error: " + command.command.ref + ": " + last_error("update failed"));
    command.refuse(write_failure(command.command));
  }
}

void update_atomic(git_repository* repo, std::vector<PushCommand>& commands,
                   std::vector<std::string>& messages) {
  // Locks are taken in name order: two atomic pushes of the same refs then meet at their
  // first common ref, and one of them gets all of its locks.
  std::vector<PushCommand*> order;
  order.reserve(commands.size());
  for (PushCommand& command : commands) {
    order.push_back(&command);
  }
  std::sort(order.begin(), order.end(), [](const PushCommand* a, const PushCommand* b) {
    return a->command.ref < b->command.ref;
  });
  auto fail_others = [&](const char* reason) {
    for (PushCommand& command : commands) {
      command.refuse(reason);  // keeps a reason already set
    }
  };
  const TransactionPtr tx = begin(repo);
  if (!tx) {
    fail_others("transaction failed to start");
    return;
  }
  for (PushCommand* command : order) {
    if (!command->ready()) {
      continue;
    }
    const RefCommand target = resolved(repo, command->command);
    auto problem = lock_and_check(repo, tx.get(), target, messages);
    if (!problem && !stage(tx.get(), target)) {
      problem = write_failure(command->command);
    }
    if (problem) {
      command->refuse(std::move(*problem));
      fail_others("atomic transaction failed");
      return;  // freeing the transaction removes every lock taken
    }
  }
  if (git_transaction_commit(tx.get()) != 0) {
    messages.push_back("error: " + last_error("atomic transaction failed"));
    fail_others("atomic transaction failed");
  }
}

}  // namespace

std::vector<std::string> update_refs(git_repository* repo, std::vector<PushCommand>& commands,
                                     bool atomic) {
  std::vector<std::string> messages;
  if (atomic) {
    update_atomic(repo, commands, messages);
    return messages;
  }
  for (const bool deletions : {true, false}) {
    for (PushCommand& command : commands) {
      if (command.ready() && is_delete(command.command) == deletions) {
        update_one(repo, command, messages);
      }
    }
  }
  return messages;
}

}  // namespace gitgate::git::detail
