#include "git/cache/pack_cache_key.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "git/pack/digest.h"

namespace gitgate::git::detail {
namespace {

// Bump when the pack writer's output for the same objects changes shape, so old entries
// (still valid packs) are not mixed with new ones.
constexpr std::string_view kKeyVersion = "gitgate-pack-cache-1";
// libgit2 1.5 serves SHA-1 repositories only (open_repository refuses the others).
constexpr std::string_view kObjectFormat = "sha1";

// Every field is length-prefixed or fixed-size so that no two inputs hash alike.
class Hasher {
 public:
  void bytes(const void* data, size_t size) { sha256_.update(data, size); }
  void number(uint64_t value) {
    std::array<uint8_t, 8> be{};
    for (size_t i = 0; i < be.size(); ++i) {
      be[i] = static_cast<uint8_t>(value >> (56 - 8 * i));
    }
    bytes(be.data(), be.size());
  }
  void text(std::string_view value) {
    number(value.size());
    bytes(value.data(), value.size());
  }
  void oid(const git_oid& id) { bytes(id.id, GIT_OID_RAWSZ); }
  void oids(std::vector<git_oid> ids) {
    std::sort(ids.begin(), ids.end(),
              [](const git_oid& a, const git_oid& b) { return git_oid_cmp(&a, &b) < 0; });
    number(ids.size());
    for (const auto& id : ids) {
      oid(id);
    }
  }
  std::optional<std::string> hex() {
    const auto digest = sha256_.finish();
    if (!digest) {
      return std::nullopt;
    }
    static constexpr std::string_view kDigits = "0123456789abcdef";
    std::string out;
    for (const uint8_t byte : *digest) {
      out += kDigits[byte >> 4];
      out += kDigits[byte & 0xf];
    }
    return out;
  }

 private:
  Digest sha256_{EVP_sha256()};
};

void hash_filter(Hasher& h, const FilterSpec* filter) {
  if (filter == nullptr) {
    h.number(0);
    return;
  }
  h.number(1 + filter->parts.size());
  for (const FilterPart& part : filter->parts) {
    h.number(part.index());
    std::visit(
        [&h](const auto& p) {
          using T = std::decay_t<decltype(p)>;
          if constexpr (std::is_same_v<T, BlobLimit>) {
            h.number(p.bytes);
          } else if constexpr (std::is_same_v<T, TreeDepth>) {
            h.number(p.depth);
          } else if constexpr (std::is_same_v<T, ObjectType>) {
            h.number(static_cast<uint64_t>(p.type));
          }
        },
        part);
  }
}

void hash_shallow(Hasher& h, const ShallowPlan* plan) {
  if (plan == nullptr) {
    h.number(0);
    return;
  }
  h.number(1);
  h.oids({plan->cut.begin(), plan->cut.end()});
  h.oids(plan->extra_wants);
  h.oids(plan->extra_haves);
}

}  // namespace

bool cacheable(const FetchRequest& request) {
  return request.common.empty() && !request.wants.empty();
}

std::optional<std::string> pack_cache_key(std::string_view repository, const RefSet& refs,
                                          const FetchRequest& request) {
  Hasher h;
  h.text(kKeyVersion);
  h.text(kObjectFormat);
  h.text(repository);
  h.text(refs.head_target);
  h.number(refs.refs.size());
  for (const AdvertisedRef& ref : refs.refs) {
    h.text(ref.name);
    h.oid(ref.id);
    h.number(ref.peeled ? 1 : 0);
    if (ref.peeled) {
      h.oid(*ref.peeled);
    }
  }
  h.oids(request.wants);
  h.oids(request.common);
  h.number(request.include_tag ? 1 : 0);
  h.number(request.ofs_delta ? 1 : 0);
  h.number(request.thin_pack ? 1 : 0);
  hash_shallow(h, request.shallow);
  hash_filter(h, request.filter);
  return h.hex();
}

}  // namespace gitgate::git::detail
