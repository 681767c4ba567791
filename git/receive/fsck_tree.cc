// Trees as git's fsck.c fsck_tree() checks them under --strict, with the entry decoder of
// tree-walk.c (decode_tree_entry, object.h parse_mode) and the dangerous-name predicates of
// utf8.c (is_hfs_dotgit) and path.c (is_ntfs_dotgit, is_ntfs_dotgitmodules).
//
//   tree  = *entry
//   entry = mode SP name NUL 20-byte-id        ; mode: octal digits, name: no NUL
#include "git/receive/detail/fsck_tree.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace gitgate::git::detail {
namespace {

using Problem = std::optional<FsckProblem>;

constexpr size_t kIdSize = GIT_OID_RAWSZ;
// fsck.c max_tree_entry_len: longer names are largePathname (a WARN, an error when strict).
constexpr size_t kMaxNameLength = 4096;

// The mode bits of sys/stat.h, as git stores them in a tree.
constexpr unsigned kTypeMask = 0170000;
constexpr unsigned kDirectory = 0040000;
constexpr unsigned kSymlink = 0120000;

// The byte at i, or NUL past the end: git's predicates read C strings, and a tree name
// never holds a NUL, so the view behaves exactly as the string git sees.
char at(std::string_view s, size_t i) { return i < s.size() ? s[i] : '\0'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The next code point for HFS+ (utf8.c next_hfs_char), skipping the ones HFS+ ignores;
// 0 at the end and for malformed UTF-8 (which git then takes as the end too).
uint32_t next_hfs_char(std::string_view& s) {
  for (;;) {
    if (s.empty()) {
      return 0;
    }
    const auto b0 = static_cast<uint8_t>(s[0]);
    const auto cont = [&](size_t i) {
      return i < s.size() && (static_cast<uint8_t>(s[i]) & 0xc0) == 0x80;
    };
    const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
    uint32_t c = 0;
    size_t length = 0;
    if (b0 < 0x80) {
      c = b0;
      length = 1;
    } else if ((b0 & 0xe0) == 0xc0) {
      if (!cont(1) || (b0 & 0xfe) == 0xc0) {  // 0xc0 and 0xc1 are overlong
        return 0;
      }
      c = ((b0 & 0x1fU) << 6) | (byte(1) & 0x3fU);
      length = 2;
    } else if ((b0 & 0xf0) == 0xe0) {
      if (!cont(1) || !cont(2) || (b0 == 0xe0 && (byte(1) & 0xe0) == 0x80) ||  // overlong
          (b0 == 0xed && (byte(1) & 0xe0) == 0xa0) ||                          // surrogate
          (b0 == 0xef && byte(1) == 0xbf && (byte(2) & 0xfe) == 0xbe)) {       // U+FFFE/F
        return 0;
      }
      c = ((b0 & 0x0fU) << 12) | ((byte(1) & 0x3fU) << 6) | (byte(2) & 0x3fU);
      length = 3;
    } else if ((b0 & 0xf8) == 0xf0) {
      if (!cont(1) || !cont(2) || !cont(3) || (b0 == 0xf0 && (byte(1) & 0xf0) == 0x80) ||
          (b0 == 0xf4 && byte(1) > 0x8f) || b0 > 0xf4) {  // overlong, above U+10FFFF
        return 0;
      }
      c = ((b0 & 0x07U) << 18) | ((byte(1) & 0x3fU) << 12) | ((byte(2) & 0x3fU) << 6) |
          (byte(3) & 0x3fU);
      length = 4;
    } else {
      return 0;
    }
    s.remove_prefix(length);
    const bool ignored = (c >= 0x200c && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
                         (c >= 0x206a && c <= 0x206f) || c == 0xfeff;
    if (!ignored) {
      return c;
    }
  }
}

// utf8.c is_hfs_dot_generic(): "." + needle in any ASCII case, ignorable code points
// anywhere, then the end or a '/'.
bool is_hfs_dot(std::string_view name, std::string_view needle) {
  if (next_hfs_char(name) != '.') {
    return false;
  }
  for (const char n : needle) {
    const uint32_t c = next_hfs_char(name);
    if (c > 127 || lower(static_cast<char>(c)) != n) {
      return false;
    }
  }
  const uint32_t c = next_hfs_char(name);
  return c == 0 || c == '/';
}

// path.c is_ntfs_dot_generic()'s tail: only spaces and periods up to the end or a ':'.
bool only_spaces_and_periods(std::string_view name, size_t i) {
  for (;; ++i) {
    const char c = at(name, i);
    if (c == '\0' || c == ':') {
      return true;
    }
    if (c != ' ' && c != '.') {
      return false;
    }
  }
}

bool equals_ignoring_case(std::string_view name, size_t from, std::string_view ascii) {
  for (size_t i = 0; i < ascii.size(); ++i) {
    if (lower(at(name, from + i)) != ascii[i]) {
      return false;
    }
  }
  return true;
}

// path.c is_ntfs_dot_generic(): ".gitmodules" and its NTFS aliases (trailing spaces and
// periods, streams, the short names "gitmod~1".."~4" and the hashed fall-back "gi7eba~N").
bool is_ntfs_dot_generic(std::string_view name, std::string_view dotgit_name,
                         std::string_view short_prefix) {
  if (at(name, 0) == '.' && equals_ignoring_case(name, 1, dotgit_name)) {
    return only_spaces_and_periods(name, dotgit_name.size() + 1);
  }
  const char tilde_digit = at(name, 7);
  if (equals_ignoring_case(name, 0, dotgit_name.substr(0, 6)) && at(name, 6) == '~' &&
      tilde_digit >= '1' && tilde_digit <= '4') {
    return only_spaces_and_periods(name, 8);
  }
  bool saw_tilde = false;
  for (size_t i = 0; i < 8; ++i) {
    const char c = at(name, i);
    if (c == '\0') {
      return false;
    }
    if (saw_tilde) {
      if (c < '0' || c > '9') {
        return false;
      }
    } else if (c == '~') {
      ++i;
      if (at(name, i) < '1' || at(name, i) > '9') {
        return false;
      }
      saw_tilde = true;
    } else if (i >= 6 || (static_cast<uint8_t>(c) & 0x80) != 0 || lower(c) != short_prefix[i]) {
      return false;
    }
  }
  return only_spaces_and_periods(name, 8);
}

bool is_gitmodules(std::string_view name) {
  return is_hfs_dot(name, "gitmodules") || is_ntfs_dot_generic(name, "gitmodules", "gi7eba");
}

// One decoded entry; name and the whole entry are views into the tree body.
struct Entry {
  uint16_t mode = 0;
  bool zero_padded = false;
  std::string_view name;
  std::string_view id;
  size_t size = 0;
};

// decode_tree_entry(): nullopt where git says "cannot be parsed as a tree". Its checks,
// in its order: the byte before the last entry's id is the last name's NUL (which bounds
// every scan below), an octal mode ended by a space, a non-empty name.
std::optional<Entry> decode_entry(std::string_view body, size_t from) {
  if (body.size() - from < kIdSize + 3 || body[body.size() - kIdSize - 1] != '\0') {
    return std::nullopt;
  }
  Entry entry;
  entry.zero_padded = body[from] == '0';
  size_t i = from;
  if (body[i] == ' ') {
    return std::nullopt;
  }
  uint32_t mode = 0;  // git's unsigned int, then stored in 16 bits: "1100644" is 100644
  for (; body[i] != ' '; ++i) {
    if (body[i] < '0' || body[i] > '7') {
      return std::nullopt;
    }
    mode = (mode << 3) + static_cast<uint32_t>(body[i] - '0');
  }
  entry.mode = static_cast<uint16_t>(mode);
  const size_t name_start = i + 1;
  const size_t nul = body.find('\0', name_start);
  if (nul == name_start) {
    return std::nullopt;
  }
  entry.name = body.substr(name_start, nul - name_start);
  entry.id = body.substr(nul + 1, kIdSize);
  entry.size = nul + 1 + kIdSize - from;
  return entry;
}

enum class Order { kOrdered, kUnordered, kDuplicate };

bool is_less_than_slash(unsigned char c) { return c != '\0' && c < '/'; }

// fsck.c verify_ordered(): git's tree order compares a directory as its name plus '/'.
// "foo" (file) and "foo/" (directory) are duplicates even with "foo.bar" between them, so
// files that a later directory could duplicate wait on a stack.
Order verify_ordered(const Entry& a, const Entry& b, std::vector<std::string_view>& candidates) {
  const size_t common = std::min(a.name.size(), b.name.size());
  const int cmp = a.name.substr(0, common).compare(b.name.substr(0, common));
  if (cmp != 0) {
    return cmp < 0 ? Order::kOrdered : Order::kUnordered;
  }
  auto c1 = static_cast<unsigned char>(at(a.name, common));
  auto c2 = static_cast<unsigned char>(at(b.name, common));
  if (c1 == '\0' && c2 == '\0') {
    return Order::kDuplicate;
  }
  if (c1 == '\0' && (a.mode & kTypeMask) == kDirectory) {
    c1 = '/';
  }
  if (c2 == '\0' && (b.mode & kTypeMask) == kDirectory) {
    c2 = '/';
  }
  if (c1 == '\0' && is_less_than_slash(c2)) {
    candidates.push_back(a.name);
  } else if (c2 == '/' && is_less_than_slash(c1)) {
    while (!candidates.empty()) {
      const std::string_view file = candidates.back();
      candidates.pop_back();
      if (!b.name.starts_with(file)) {
        continue;
      }
      if (b.name.size() == file.size()) {
        return Order::kDuplicate;
      }
      if (is_less_than_slash(static_cast<unsigned char>(b.name[file.size()]))) {
        candidates.push_back(file);
        break;
      }
    }
  }
  return c1 < c2 ? Order::kOrdered : Order::kUnordered;
}

// What fsck_tree() notes across all entries, reported after the loop in this order.
struct Findings {
  bool null_id = false;
  bool full_path = false;
  bool dot = false;
  bool dotdot = false;
  bool dotgit = false;
  bool zero_padded = false;
  bool duplicates = false;
  bool unsorted = false;
  bool large_name = false;
};

Problem problem(std::string_view id, std::string_view message) {
  return FsckProblem{std::string(id), std::string(message)};
}

// The messages git reports once per tree; all are errors under --strict. emptyName cannot
// happen (the decoder refuses an empty name first) and badFilemode stays a warning (INFO).
Problem first_finding(const Findings& f) {
  const std::array<std::tuple<bool, std::string_view, std::string_view>, 9> ordered{{
      {f.null_id, "nullSha1", "contains entries pointing to null sha1"},
      {f.full_path, "fullPathname", "contains full pathnames"},
      {f.dot, "hasDot", "contains '.'"},
      {f.dotdot, "hasDotdot", "contains '..'"},
      {f.dotgit, "hasDotgit", "contains '.git'"},
      {f.zero_padded, "zeroPaddedFilemode", "contains zero-padded file modes"},
      {f.duplicates, "duplicateEntries", "contains duplicate file entries"},
      {f.unsorted, "treeNotSorted", "not properly sorted"},
      {f.large_name, "largePathname", "contains excessively large pathname"},
  }};
  for (const auto& [found, id, message] : ordered) {
    if (found) {
      return problem(id, message);
    }
  }
  return std::nullopt;
}

Problem unparsable() { return problem("badTree", "cannot be parsed as a tree"); }

void note_names(const Entry& entry, Findings& f) {
  f.null_id |= entry.id.find_first_not_of('\0') == std::string_view::npos;
  f.full_path |= entry.name.find('/') != std::string_view::npos;
  f.dot |= entry.name == ".";
  f.dotdot |= entry.name == "..";
  f.dotgit |= is_hfs_dotgit(entry.name) || is_ntfs_dotgit(entry.name);
  f.zero_padded |= entry.zero_padded;
  f.large_name |= entry.name.size() > kMaxNameLength;
  // NTFS takes a backslash as a directory separator: check each part after one.
  for (size_t slash = entry.name.find('\\'); slash != std::string_view::npos;
       slash = entry.name.find('\\', slash + 1)) {
    f.dotgit |= is_ntfs_dotgit(entry.name.substr(slash + 1));
  }
}

// gitmodulesSymlink, reported as each entry is read: a symlinked .gitmodules (or an NTFS
// alias of one, also after a backslash) would let a checkout read it from anywhere.
bool is_gitmodules_symlink(const Entry& entry) {
  if ((entry.mode & kTypeMask) != kSymlink) {
    return false;
  }
  if (is_gitmodules(entry.name)) {
    return true;
  }
  for (size_t slash = entry.name.find('\\'); slash != std::string_view::npos;
       slash = entry.name.find('\\', slash + 1)) {
    if (is_ntfs_dot_generic(entry.name.substr(slash + 1), "gitmodules", "gi7eba")) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool is_hfs_dotgit(std::string_view name) { return is_hfs_dot(name, "git"); }

bool is_ntfs_dotgit(std::string_view name) {
  size_t i = 0;
  if (at(name, 0) == '.') {
    if (!equals_ignoring_case(name, 1, "git")) {
      return false;
    }
    i = 4;
  } else if (lower(at(name, 0)) == 'g') {
    if (!equals_ignoring_case(name, 1, "it") || at(name, 3) != '~' || at(name, 4) != '1') {
      return false;
    }
    i = 5;
  } else {
    return false;
  }
  for (;; ++i) {
    const char c = at(name, i);
    if (c == '\0' || c == '/' || c == '\\' || c == ':') {
      return true;
    }
    if (c != '.' && c != ' ') {
      return false;
    }
  }
}

std::optional<FsckProblem> fsck_tree(std::string_view body) {
  if (body.empty()) {
    return std::nullopt;
  }
  std::optional<Entry> entry = decode_entry(body, 0);
  if (!entry) {
    return unparsable();
  }
  Findings findings;
  std::vector<std::string_view> candidates;
  std::optional<Entry> previous;
  for (size_t offset = 0; entry;) {
    note_names(*entry, findings);
    if (is_gitmodules_symlink(*entry)) {
      return problem("gitmodulesSymlink", ".gitmodules is a symbolic link");
    }
    offset += entry->size;
    std::optional<Entry> next;
    if (offset < body.size()) {
      next = decode_entry(body, offset);
      if (!next) {
        return unparsable();
      }
    }
    if (previous) {
      switch (verify_ordered(*previous, *entry, candidates)) {
        case Order::kUnordered:
          findings.unsorted = true;
          break;
        case Order::kDuplicate:
          findings.duplicates = true;
          break;
        case Order::kOrdered:
          break;
      }
    }
    previous = entry;
    entry = next;
  }
  return first_finding(findings);
}

}  // namespace gitgate::git::detail
