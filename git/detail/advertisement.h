// The reference advertisement of protocol v0/v1 (gitprotocol-pack "Reference Discovery").
#pragma once

#include <git2.h>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gitgate::git::detail {

struct AdvertisedRef {
  std::string name;
  git_oid id{};
  std::optional<git_oid> peeled;  // for annotated tags: the object under all tag layers
};

struct RefSet {
  std::vector<AdvertisedRef> refs;  // HEAD first when it resolves, then sorted by name
  std::string head_target;          // "refs/heads/main" when HEAD is a symbolic ref, even unborn
};

// Reads HEAD and every ref under refs/; the error text when libgit2 fails.
std::variant<RefSet, std::string> read_refs(git_repository* repo);

// The capability list we advertise on the first line.
std::string advertised_capabilities(const RefSet& refs);

// The advertisement as pkt-lines, ending with a flush:
//   advertised-refs  =  empty-list / list-of-refs   (empty-list: "capabilities^{}")
//   first-ref        =  PKT-LINE(obj-id SP refname NUL capability-list)
//   other-peeled     =  PKT-LINE(obj-id SP refname "^{}")
std::string encode_advertisement(const RefSet& refs, std::string_view capabilities);

}  // namespace gitgate::git::detail
