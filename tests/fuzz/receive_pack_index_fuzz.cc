// Feeds arbitrary bytes to gitgate's pack indexer, in memory: the first byte picks
// what to do with the rest.
//   even: a pack (bit 1 set: with no delta cache), its trailer first set to the SHA-1 of the rest
//   (else nearly every input
//         would stop there): scan, resolve the deltas, write the .idx, which git/pack's
//         reader must accept with every resolved object at its offset.
//   odd:  apply_delta with the rest split into a base and a delta at the second byte.
#include <openssl/evp.h>

#include <cstring>
#include <vector>

#include "git/pack/digest.h"
#include "git/pack/pack_index.h"
#include "git/receive/detail/delta.h"
#include "git/receive/detail/idx_writer.h"
#include "git/receive/detail/resolve.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace detail = gitgate::git::detail;
namespace pack = gitgate::git::pack;
using gitgate::fuzz::check;

void index(std::span<const uint8_t> input, size_t delta_cache_bytes) {
  std::vector<uint8_t> bytes(input.begin(), input.end());
  if (bytes.size() >= 32) {
    detail::Digest sha1(EVP_sha1());
    sha1.update(bytes.data(), bytes.size() - 20);
    const auto sum = sha1.finish();
    check(sum.has_value());
    std::memcpy(bytes.data() + bytes.size() - 20, sum->data(), 20);
  }
  gitgate::git::PushSettings limits;
  limits.max_object_bytes = 1 << 20;
  auto scan = detail::scan_pack(bytes, limits, {}, delta_cache_bytes);
  auto* scanned = std::get_if<detail::ScannedPack>(&scan);
  if (scanned == nullptr) {
    return;
  }
  detail::DeltaResolver resolver(bytes, *scanned, limits, {});
  if (!resolver.resolve_in_pack(1).empty() || resolver.resolved() != scanned->deltas) {
    return;
  }
  auto files = detail::index_files(scanned->entries, scanned->checksum);
  const auto* written = std::get_if<detail::IndexFiles>(&files);
  if (written == nullptr) {
    return;  // an object twice
  }
  auto parsed = pack::parse_pack_index(written->idx);
  const auto* idx = std::get_if<pack::PackIndex>(&parsed);
  check(idx != nullptr && idx->size() == scanned->entries.size());
  for (const detail::IndexEntry& e : scanned->entries) {
    check(e.real_type >= 1 && e.real_type <= 4);
    const auto position = idx->find(e.oid);
    check(position.has_value() && idx->offset(*position) == e.offset);
  }
  check(written->rev.size() == 12 + (4 * scanned->entries.size()) + 40);
}

void delta(std::span<const uint8_t> input) {
  if (input.empty()) {
    return;
  }
  const size_t split = std::min<size_t>(input[0], input.size() - 1);
  const auto base = input.subspan(1, split);
  const auto delta_bytes = input.subspan(1 + split);
  auto sizes = detail::parse_delta_sizes(delta_bytes);
  const auto* s = std::get_if<detail::DeltaSizes>(&sizes);
  if (s == nullptr || s->result > (1 << 20)) {
    return;
  }
  detail::ObjectBuffer out(s->result);
  (void)detail::apply_delta(base, delta_bytes, *s, out.data());
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::span<const uint8_t> rest(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    // Bit 1: deltas inflated again in the second pass instead of kept from the scan.
    index(rest, (data[0] & 2) != 0 ? 0 : detail::DeltaCache::kBudget);
  } else {
    delta(rest);
  }
  return 0;
}
