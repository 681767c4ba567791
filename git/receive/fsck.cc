// Commits and tags as git's fsck.c checks them (verify_headers, fsck_ident, fsck_commit,
// fsck_tag), with the severities of receive.fsckObjects: index-pack --strict, where every
// WARN message becomes an error and INFO ones stay warnings (fsck.c fsck_msg_type()).
// Only errors are returned: a push git would accept with a warning is accepted here too.
#include "git/receive/fsck.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <string_view>

#include "git/pack/oid.h"
#include "git/receive/detail/fsck_tree.h"

namespace gitgate::git::detail {
namespace {

using Problem = std::optional<FsckProblem>;

Problem problem(std::string_view id, std::string_view message) {
  return FsckProblem{std::string(id), std::string(message)};
}

// The byte at i, or '\n' past the end: the line views below end where git's scans stop,
// at the newline verify_headers() promised.
char at(std::string_view line, size_t i) { return i < line.size() ? line[i] : '\n'; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// skip_prefix(): advances past prefix only when all of it is there.
bool consume(std::string_view& rest, std::string_view prefix) {
  if (!rest.starts_with(prefix)) {
    return false;
  }
  rest.remove_prefix(prefix.size());
  return true;
}

// "<40 hex digits>\n" (parse_oid_hex() then *p == '\n'), consumed when well formed.
bool consume_oid_line(std::string_view& rest) {
  constexpr size_t kHex = GIT_OID_HEXSZ;
  if (rest.size() <= kHex || rest[kHex] != '\n') {
    return false;
  }
  for (size_t i = 0; i < kHex; ++i) {
    if (hex_value(rest[i]) < 0) {
      return false;
    }
  }
  rest.remove_prefix(kHex + 1);
  return true;
}

// verify_headers(): the header (up to the first empty line) holds no NUL and its last
// line ends in '\n'. Everything after relies on it to find a newline on every header line.
Problem verify_headers(std::string_view body) {
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\0') {
      return problem("nulInHeader", fmt::format("unterminated header: NUL at offset {}", i));
    }
    if (body[i] == '\n' && i + 1 < body.size() && body[i + 1] == '\n') {
      return std::nullopt;
    }
  }
  if (!body.empty() && body.back() == '\n') {
    return std::nullopt;
  }
  return problem("unterminatedHeader", "unterminated header");
}

// The seconds of an ident overflow git when they do not fit a signed 64-bit time_t
// (date.c date_overflows(): TIME_MAX is UINTMAX_MAX, then time_t must hold the value).
bool date_overflows(std::string_view line, size_t& i) {
  constexpr uint64_t kMax = INT64_MAX;
  uint64_t value = 0;
  bool overflow = false;
  for (; i < line.size() && is_digit(line[i]); ++i) {
    const auto digit = static_cast<uint64_t>(line[i] - '0');
    overflow = overflow || value > (kMax - digit) / 10;
    value = overflow ? kMax : value * 10 + digit;
  }
  return overflow;
}

// fsck_ident(): "Name <email> 1234567890 +0100\n", in git's order of complaints.
// rest moves past the line whether or not it is well formed, as git's does.
Problem fsck_ident(std::string_view& rest) {
  const size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) {  // verify_headers() rules this out
    return problem("unterminatedHeader", "unterminated header");
  }
  const std::string_view line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  constexpr std::string_view kPrefix = "invalid author/committer line - ";
  const auto bad = [&](std::string_view id, std::string_view what) {
    return problem(id, fmt::format("{}{}", kPrefix, what));
  };
  if (at(line, 0) == '<') {
    return bad("missingNameBeforeEmail", "missing space before email");
  }
  size_t i = 0;
  for (;; ++i) {
    const char c = at(line, i);
    if (c == '\n') {
      return bad("missingEmail", "missing email");
    }
    if (c == '>') {
      return bad("badName", "bad name");
    }
    if (c == '<') {
      break;
    }
  }
  if (line[i - 1] != ' ') {  // i > 0: the line does not start with '<'
    return bad("missingSpaceBeforeEmail", "missing space before email");
  }
  for (++i;; ++i) {
    const char c = at(line, i);
    if (c == '\n' || c == '<') {
      return bad("badEmail", "bad email");
    }
    if (c == '>') {
      break;
    }
  }
  if (at(line, ++i) != ' ') {
    return bad("missingSpaceBeforeDate", "missing space before date");
  }
  // git has always let extra blanks through here, but never the newline.
  for (++i; at(line, i) == ' ' || at(line, i) == '\t'; ++i) {
  }
  if (!is_digit(at(line, i))) {
    return bad("badDate", "bad date");
  }
  if (at(line, i) == '0' && at(line, i + 1) != ' ') {
    return bad("zeroPaddedDate", "zero-padded date");
  }
  if (date_overflows(line, i)) {
    return bad("badDateOverflow", "date causes integer overflow");
  }
  if (at(line, i) != ' ') {
    return bad("badDate", "bad date");
  }
  ++i;
  const char sign = at(line, i);
  if ((sign != '+' && sign != '-') || !is_digit(at(line, i + 1)) || !is_digit(at(line, i + 2)) ||
      !is_digit(at(line, i + 3)) || !is_digit(at(line, i + 4)) || i + 5 != line.size()) {
    return bad("badTimezone", "bad time zone");
  }
  return std::nullopt;
}

// fsck_commit(): tree, parents, exactly one author, a committer; other headers (encoding,
// gpgsig, mergetag) and the message are free, except that no NUL may hide in them.
Problem fsck_commit(std::string_view body) {
  if (auto bad = verify_headers(body)) {
    return bad;
  }
  std::string_view rest = body;
  if (!consume(rest, "tree ")) {
    return problem("missingTree", "invalid format - expected 'tree' line");
  }
  if (!consume_oid_line(rest)) {
    return problem("badTreeSha1", "invalid 'tree' line format - bad sha1");
  }
  while (consume(rest, "parent ")) {
    if (!consume_oid_line(rest)) {
      return problem("badParentSha1", "invalid 'parent' line format - bad sha1");
    }
  }
  int authors = 0;
  while (consume(rest, "author ")) {
    ++authors;
    if (auto bad = fsck_ident(rest)) {
      return bad;
    }
  }
  if (authors == 0) {
    return problem("missingAuthor", "invalid format - expected 'author' line");
  }
  if (authors > 1) {
    return problem("multipleAuthors", "invalid format - multiple 'author' lines");
  }
  if (!consume(rest, "committer ")) {
    return problem("missingCommitter", "invalid format - expected 'committer' line");
  }
  if (auto bad = fsck_ident(rest)) {
    return bad;
  }
  // nulInCommit is a WARN that --strict makes an error.
  if (body.find('\0') != std::string_view::npos) {
    return problem("nulInCommit", "NUL byte in the commit object body");
  }
  return std::nullopt;
}

// type_from_string_gently(): one of the four names, exactly.
bool is_object_type(std::string_view name) {
  return name == "commit" || name == "tree" || name == "blob" || name == "tag";
}

// The signature headers of a tag, "gpgsig " or "gpgsig-sha256 " and their continuation
// lines (which start with a space).
Problem skip_tag_signature(std::string_view& rest) {
  if (!consume(rest, "gpgsig ") && !consume(rest, "gpgsig-sha256 ")) {
    return std::nullopt;
  }
  size_t eol = rest.find('\n');
  if (eol == std::string_view::npos) {
    return problem("badGpgsig",
                   "invalid format - unexpected end after 'gpgsig' or 'gpgsig-sha256' line");
  }
  rest.remove_prefix(eol + 1);
  while (rest.starts_with(' ')) {
    eol = rest.find('\n');
    if (eol == std::string_view::npos) {
      return problem("badHeaderContinuation",
                     "invalid format - unexpected end in 'gpgsig' or 'gpgsig-sha256' "
                     "continuation line");
    }
    rest.remove_prefix(eol + 1);
  }
  return std::nullopt;
}

// fsck_tag_standalone(): object, type, tag, then an optional tagger. Left out as git's
// --strict leaves them out: badTagName and missingTaggerEntry (INFO, warnings only) and
// extraHeaderEntry (ignored). git reports a bad tagger and reads on, so that in
// index-pack a later ignored header can reset its verdict; here a bad tagger refuses the tag.
Problem fsck_tag(std::string_view body) {
  if (auto bad = verify_headers(body)) {
    return bad;
  }
  std::string_view rest = body;
  if (!consume(rest, "object ")) {
    return problem("missingObject", "invalid format - expected 'object' line");
  }
  if (!consume_oid_line(rest)) {
    return problem("badObjectSha1", "invalid 'object' line format - bad sha1");
  }
  if (!consume(rest, "type ")) {
    return problem("missingTypeEntry", "invalid format - expected 'type' line");
  }
  size_t eol = rest.find('\n');
  if (eol == std::string_view::npos) {
    return problem("missingType", "invalid format - unexpected end after 'type' line");
  }
  if (!is_object_type(rest.substr(0, eol))) {
    return problem("badType", "invalid 'type' value");
  }
  rest.remove_prefix(eol + 1);
  if (!consume(rest, "tag ")) {
    return problem("missingTagEntry", "invalid format - expected 'tag' line");
  }
  eol = rest.find('\n');
  if (eol == std::string_view::npos) {
    // git's text, which names the 'type' line here too.
    return problem("missingTag", "invalid format - unexpected end after 'type' line");
  }
  rest.remove_prefix(eol + 1);
  if (consume(rest, "tagger ")) {
    if (auto bad = fsck_ident(rest)) {
      return bad;
    }
  }
  return skip_tag_signature(rest);
}

std::string_view as_chars(std::span<const uint8_t> body) {
  return {reinterpret_cast<const char*>(body.data()), body.size()};
}

}  // namespace

std::optional<FsckProblem> fsck_object(git_object_t type, std::span<const uint8_t> body) {
  switch (type) {
    case GIT_OBJECT_COMMIT:
      return fsck_commit(as_chars(body));
    case GIT_OBJECT_TREE:
      return fsck_tree(as_chars(body));
    case GIT_OBJECT_TAG:
      return fsck_tag(as_chars(body));
    case GIT_OBJECT_BLOB:
      return std::nullopt;
    default:
      return problem("unknownType", fmt::format("unknown type '{}' (internal fsck error)",
                                                static_cast<int>(type)));
  }
}

std::string fsck_message(const git_oid& id, const FsckProblem& problem) {
  return fmt::format("object {}: {}: {}", to_hex(id), problem.id, problem.message);
}

}  // namespace gitgate::git::detail
