#include "git/receive/ref_name.h"

namespace gitgate::git::detail {
namespace {

// Bytes git's refname_disposition table marks as never allowed in a ref name (refs.c:
// "a ref name cannot contain ASCII control characters (< 0x20 or 0x7f), space, tilde,
// caret, colon, question mark, asterisk, open bracket or backslash"). '*' is allowed
// there only with REFNAME_REFSPEC_PATTERN, which receive-pack does not pass.
bool forbidden_byte(unsigned char c) {
  return c < 0x20 || c == 0x7f || c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' ||
         c == '*' || c == '[' || c == '\\';
}

// One '/'-separated component (refs.c check_refname_component): not empty ("//", a
// leading or trailing '/'), not starting with '.', not ending in ".lock", and without
// "..", "@{" or a forbidden byte.
bool valid_component(std::string_view component) {
  if (component.empty() || component.front() == '.' || component.ends_with(".lock")) {
    return false;
  }
  char last = '\0';
  for (const char c : component) {
    if (forbidden_byte(static_cast<unsigned char>(c)) || (last == '.' && c == '.') ||
        (last == '@' && c == '{')) {
      return false;
    }
    last = c;
  }
  return true;
}

// check_refname_format(name, 0 or REFNAME_ALLOW_ONELEVEL): at least two components
// unless one_level, not "@", not ending in '.'.
bool valid_ref_format(std::string_view name, bool one_level) {
  if (name.empty() || name == "@" || name.ends_with('.')) {
    return false;
  }
  size_t components = 0;
  for (;;) {
    const size_t slash = name.find('/');
    if (!valid_component(name.substr(0, slash))) {
      return false;
    }
    ++components;
    if (slash == std::string_view::npos) {
      break;
    }
    name.remove_prefix(slash + 1);
  }
  return one_level || components >= 2;
}

}  // namespace

// receive-pack's update(): a name outside refs/, or whose part after "refs/" fails
// check_refname_format(name + 5, is_null_oid(new_oid) ? REFNAME_ALLOW_ONELEVEL : 0), is
// refused as a "funny refname". So "refs/x" (one level after refs/) may be deleted but
// not created or updated.
std::optional<std::string> check_pushed_ref_name(std::string_view name, bool is_delete) {
  constexpr std::string_view kRefs = "refs/";
  if (!name.starts_with(kRefs) || !valid_ref_format(name.substr(kRefs.size()), is_delete)) {
    return std::string("funny refname");
  }
  return std::nullopt;
}

}  // namespace gitgate::git::detail
