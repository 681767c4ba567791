#include "git/receive/connectivity.h"

#include <memory>
#include <string_view>

#include "git/pack/libgit2.h"

namespace gitgate::git::detail {
namespace {

using OdbObjectPtr = std::unique_ptr<git_odb_object, Deleter<git_odb_object, git_odb_object_free>>;

constexpr std::string_view kMissing = "missing necessary objects";
constexpr std::string_view kShallow = "shallow update not allowed";
constexpr size_t kHexSize = GIT_OID_HEXSZ;

// The id after prefix at the start of line, as in "parent <hex>".
bool header_id(std::string_view line, std::string_view prefix, git_oid& out) {
  return line.starts_with(prefix) && line.size() == prefix.size() + kHexSize &&
         parse_oid(line.substr(prefix.size()), out);
}

// The header lines of a commit or tag, up to the blank line before the message.
template <typename Visit>
bool for_each_header(std::string_view body, Visit visit) {
  while (!body.empty()) {
    const size_t end = body.find('\n');
    if (end == std::string_view::npos || end == 0) {
      return true;
    }
    if (!visit(body.substr(0, end))) {
      return false;
    }
    body.remove_prefix(end + 1);
  }
  return true;
}

}  // namespace

ConnectivityCheck::ConnectivityCheck(git_odb* repository, git_odb* pushed,
                                     std::span<const git_oid> client_shallow)
    : repository_(repository),
      pushed_(pushed),
      shallow_(client_shallow.begin(), client_shallow.end()) {}

bool ConnectivityCheck::in_repository(const git_oid& id) {
  // No refresh on each miss: most pushed objects are misses, and libgit2 would rescan the
  // pack directory for every one.
  if (git_odb_exists_ext(repository_, &id, GIT_ODB_LOOKUP_NO_REFRESH) != 0) {
    return true;
  }
  if (!refreshed_) {
    refreshed_ = true;
    git_odb_refresh(repository_);
    return git_odb_exists_ext(repository_, &id, GIT_ODB_LOOKUP_NO_REFRESH) != 0;
  }
  return false;
}

// A commit:  "tree" SP id LF *("parent" SP id LF) ...   (git's commit object format)
// A tag:     "object" SP id LF "type" SP type LF ...
// A tree:    *(mode SP name NUL 20-byte-id), mode 160000 a submodule's commit (not ours)
bool ConnectivityCheck::expand(const git_oid& id, Kind kind, std::vector<Pending>& stack,
                               std::optional<std::string>& shallow_error) {
  git_odb_object* raw = nullptr;
  if (git_odb_read(&raw, pushed_, &id) != 0) {
    return false;
  }
  const OdbObjectPtr object(raw);
  const git_object_t type = git_odb_object_type(raw);
  const std::string_view body(static_cast<const char*>(git_odb_object_data(raw)),
                              git_odb_object_size(raw));
  if ((kind == Kind::kCommit && type != GIT_OBJECT_COMMIT) ||
      (kind == Kind::kTree && type != GIT_OBJECT_TREE) ||
      (kind == Kind::kBlob && type != GIT_OBJECT_BLOB)) {
    return false;
  }
  git_oid ref{};
  switch (type) {
    case GIT_OBJECT_COMMIT: {
      bool has_tree = false;
      const bool shallow = shallow_.contains(id);
      const bool ok = for_each_header(body, [&](std::string_view line) {
        if (!has_tree) {
          has_tree = header_id(line, "tree ", ref);
          stack.push_back({ref, Kind::kTree});
          return has_tree;
        }
        if (header_id(line, "parent ", ref)) {
          // A client's shallow commit reaches no further on the client; here its parents
          // must already exist, or the repository would become shallow.
          if (shallow && !connected_.contains(ref) && !in_repository(ref) &&
              git_odb_exists(pushed_, &ref) == 0) {
            shallow_error = std::string(kShallow);
            return false;
          }
          stack.push_back({ref, Kind::kCommit});
        }
        return true;
      });
      return ok && has_tree;
    }
    case GIT_OBJECT_TAG: {
      bool has_object = false;
      for_each_header(body, [&](std::string_view line) {
        has_object = header_id(line, "object ", ref);
        return false;  // the first line names the object
      });
      if (has_object) {
        stack.push_back({ref, Kind::kAny});
      }
      return has_object;
    }
    case GIT_OBJECT_TREE: {
      std::string_view rest = body;
      while (!rest.empty()) {
        const size_t nul = rest.find('\0');
        if (nul == std::string_view::npos || rest.size() < nul + 1 + GIT_OID_RAWSZ) {
          return false;
        }
        const std::string_view mode = rest.substr(0, rest.find(' '));
        git_oid entry{};
        git_oid_fromraw(&entry, reinterpret_cast<const unsigned char*>(rest.data() + nul + 1));
        if (mode == "40000" || mode == "040000") {
          stack.push_back({entry, Kind::kTree});
        } else if (mode != "160000") {
          stack.push_back({entry, Kind::kBlob});
        }
        rest.remove_prefix(nul + 1 + GIT_OID_RAWSZ);
      }
      return true;
    }
    case GIT_OBJECT_BLOB:
      return true;
    default:
      return false;
  }
}

std::optional<std::string> ConnectivityCheck::check(const git_oid& tip) {
  std::unordered_set<git_oid, OidHash, OidEqual> visited;
  std::vector<Pending> stack{{tip, Kind::kAny}};
  std::optional<std::string> shallow_error;
  while (!stack.empty()) {
    const Pending next = stack.back();
    stack.pop_back();
    if (connected_.contains(next.id) || !visited.insert(next.id).second) {
      continue;
    }
    if ((++walked_ & 1023) == 0 && progress_) {
      progress_(walked_);
    }
    const bool pushed = pushed_ != nullptr && git_odb_exists(pushed_, &next.id) != 0;
    if (pushed && next.kind != Kind::kBlob) {
      if (!expand(next.id, next.kind, stack, shallow_error)) {
        return shallow_error ? *shallow_error : std::string(kMissing);
      }
    } else if (!pushed && !in_repository(next.id)) {
      return std::string(kMissing);
    }
  }
  // Only now: a failed walk proved nothing about the objects it visited.
  connected_.insert(visited.begin(), visited.end());
  return std::nullopt;
}

}  // namespace gitgate::git::detail
