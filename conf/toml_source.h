// What the users file (auth/) and gitgate.toml (server/) parsers both say about a toml++
// node in an error message: its line, and its type in words. Shared, so it sits in its
// own module rather than in either one's detail/.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <variant>

namespace gitgate::conf {

inline int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }
inline int line_of(const toml::key& key) { return static_cast<int>(key.source().begin.line); }

inline std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// A document toml++ could not read: the line of the syntax error and toml++'s words.
struct SyntaxError {
  int line = 0;
  std::string description;
};

// toml++ reports a syntax error by exception; both parsers return errors as values.
inline std::variant<toml::table, SyntaxError> parse_document(std::string_view text) {
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& err) {
    return SyntaxError{static_cast<int>(err.source().begin.line), std::string(err.description())};
  }
}

}  // namespace gitgate::conf
