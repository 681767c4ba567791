#include "git/select/object_filter.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "git/pack/oid.h"

namespace gitgate::git::detail {
namespace {

// git_parse_ulong: decimal digits and an optional k/m/g unit (either case).
std::optional<uint64_t> parse_size(std::string_view text) {
  uint64_t unit = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'k':
      case 'K':
        unit = uint64_t{1} << 10;
        break;
      case 'm':
      case 'M':
        unit = uint64_t{1} << 20;
        break;
      case 'g':
      case 'G':
        unit = uint64_t{1} << 30;
        break;
      default:
        break;
    }
    if (unit != 1) {
      text.remove_suffix(1);
    }
  }
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      value > UINT64_MAX / unit) {
    return std::nullopt;
  }
  return value * unit;
}

std::optional<std::string> url_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::optional<std::string> parse_into(std::string_view spec, FilterSpec& out, int nesting);

std::optional<std::string> parse_combine(std::string_view subs, FilterSpec& out, int nesting) {
  if (subs.empty()) {
    return "expected something after combine:";
  }
  if (subs.ends_with('+')) {
    return "invalid filter-spec in combine: empty sub-filter";
  }
  while (!subs.empty()) {
    const size_t plus = subs.find('+');
    const auto decoded = url_decode(subs.substr(0, plus));
    if (!decoded || decoded->empty()) {
      return "invalid filter-spec in combine: '" + std::string(subs.substr(0, plus)) + "'";
    }
    if (auto error = parse_into(*decoded, out, nesting + 1)) {
      return error;
    }
    subs.remove_prefix(plus == std::string_view::npos ? subs.size() : plus + 1);
  }
  return std::nullopt;
}

std::optional<std::string> parse_object_type(std::string_view name, FilterSpec& out) {
  for (const auto& [text, type] :
       {std::pair{"blob", GIT_OBJECT_BLOB}, std::pair{"tree", GIT_OBJECT_TREE},
        std::pair{"commit", GIT_OBJECT_COMMIT}, std::pair{"tag", GIT_OBJECT_TAG}}) {
    if (name == text) {
      out.parts.emplace_back(ObjectType{type});
      return std::nullopt;
    }
  }
  return "'" + std::string(name) + "' for 'object:type=<type>' is not a valid object type";
}

std::optional<std::string> parse_into(std::string_view spec, FilterSpec& out, int nesting) {
  if (out.parts.size() >= kMaxFilterParts || nesting > 1) {
    return "filter-spec too complex";
  }
  if (spec == "blob:none") {
    out.parts.emplace_back(BlobNone{});
    return std::nullopt;
  }
  if (spec.starts_with("blob:limit=")) {
    const auto bytes = parse_size(spec.substr(11));
    if (!bytes) {
      return "invalid filter-spec '" + std::string(spec) + "'";
    }
    out.parts.emplace_back(BlobLimit{*bytes});
    return std::nullopt;
  }
  if (spec.starts_with("tree:")) {
    const auto depth = parse_size(spec.substr(5));
    if (!depth) {
      return "expected 'tree:<depth>'";
    }
    out.parts.emplace_back(TreeDepth{*depth});
    return std::nullopt;
  }
  if (spec.starts_with("object:type=")) {
    return parse_object_type(spec.substr(12), out);
  }
  if (spec.starts_with("combine:")) {
    return parse_combine(spec.substr(8), out, nesting);
  }
  if (spec.starts_with("sparse:")) {
    return "filter 'sparse:oid' not supported";
  }
  return "invalid filter-spec '" + std::string(spec) + "'";
}

}  // namespace

std::variant<FilterSpec, std::string> parse_filter(std::string_view spec) {
  FilterSpec out;
  if (auto error = parse_into(spec, out, 0)) {
    return *error;
  }
  return out;
}

bool filter_includes(const FilterSpec& spec, git_object_t type, uint64_t depth, uint64_t size) {
  return std::all_of(spec.parts.begin(), spec.parts.end(), [&](const FilterPart& part) {
    if (std::holds_alternative<BlobNone>(part)) {
      return type != GIT_OBJECT_BLOB;
    }
    if (const auto* limit = std::get_if<BlobLimit>(&part)) {
      return type != GIT_OBJECT_BLOB || size < limit->bytes;
    }
    if (const auto* tree = std::get_if<TreeDepth>(&part)) {
      return (type != GIT_OBJECT_BLOB && type != GIT_OBJECT_TREE) || depth < tree->depth;
    }
    return std::get<ObjectType>(part).type == type;
  });
}

bool filter_prunes_below(const FilterSpec& spec, uint64_t depth) {
  return std::any_of(spec.parts.begin(), spec.parts.end(), [&](const FilterPart& part) {
    const auto* tree = std::get_if<TreeDepth>(&part);
    return tree != nullptr && tree->depth <= depth + 1;
  });
}

bool filter_needs_blob_size(const FilterSpec& spec) {
  return std::any_of(spec.parts.begin(), spec.parts.end(), [](const FilterPart& part) {
    return std::holds_alternative<BlobLimit>(part);
  });
}

}  // namespace gitgate::git::detail
