#include "git/receive/object_links.h"

#include <string_view>

#include "git/pack/oid.h"

namespace gitgate::git::detail {
namespace {

// The id after prefix on line, as in "parent <hex>".
bool header_id(std::string_view line, std::string_view prefix, git_oid& out) {
  return line.starts_with(prefix) && line.size() == prefix.size() + GIT_OID_HEXSZ &&
         parse_oid(line.substr(prefix.size()), out);
}

// The first line of text, without its LF; nullopt when there is no LF.
std::optional<std::string_view> next_line(std::string_view& text) {
  const size_t end = text.find('\n');
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view line = text.substr(0, end);
  text.remove_prefix(end + 1);
  return line;
}

std::optional<std::vector<ObjectLink>> commit_links(std::string_view text) {
  std::vector<ObjectLink> links(1);
  auto line = next_line(text);
  if (!line || !header_id(*line, "tree ", links[0].id)) {
    return std::nullopt;
  }
  links[0].kind = LinkKind::kTree;
  git_oid parent{};
  while ((line = next_line(text)) && header_id(*line, "parent ", parent)) {
    links.push_back({parent, LinkKind::kCommit});
  }
  return links;
}

std::optional<std::vector<ObjectLink>> tag_links(std::string_view text) {
  git_oid target{};
  auto line = next_line(text);
  if (!line || !header_id(*line, "object ", target)) {
    return std::nullopt;
  }
  return std::vector<ObjectLink>{{target, LinkKind::kAny}};
}

std::optional<std::vector<ObjectLink>> tree_links(std::string_view rest) {
  std::vector<ObjectLink> links;
  while (!rest.empty()) {
    const size_t nul = rest.find('\0');
    const size_t space = rest.find(' ');
    if (nul == std::string_view::npos || space == std::string_view::npos || space > nul ||
        rest.size() - nul - 1 < GIT_OID_RAWSZ) {
      return std::nullopt;
    }
    const std::string_view mode = rest.substr(0, space);
    // As git's decode_tree_entry: octal digits for the mode, and a name ("empty filename
    // in tree entry" otherwise).
    if (mode.empty() || mode.find_first_not_of("01234567") != std::string_view::npos ||
        space + 1 == nul) {
      return std::nullopt;
    }
    ObjectLink link;
    git_oid_fromraw(&link.id, reinterpret_cast<const unsigned char*>(rest.data() + nul + 1));
    if (mode == "40000" || mode == "040000") {
      link.kind = LinkKind::kTree;
      links.push_back(link);
    } else if (mode != "160000") {
      link.kind = LinkKind::kBlob;
      links.push_back(link);
    }
    rest.remove_prefix(nul + 1 + GIT_OID_RAWSZ);
  }
  return links;
}

}  // namespace

std::optional<std::vector<ObjectLink>> object_links(git_object_t type,
                                                    std::span<const uint8_t> body) {
  const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  switch (type) {
    case GIT_OBJECT_COMMIT:
      return commit_links(text);
    case GIT_OBJECT_TAG:
      return tag_links(text);
    case GIT_OBJECT_TREE:
      return tree_links(text);
    case GIT_OBJECT_BLOB:
      return std::vector<ObjectLink>{};
    default:
      return std::nullopt;
  }
}

}  // namespace gitgate::git::detail
