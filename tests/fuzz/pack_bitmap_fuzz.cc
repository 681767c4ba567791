// Feeds arbitrary bytes to parse_pack_bitmap (the object count taken from the first
// bytes) and parse_ewah; whatever parses is then decoded in full, which must stay inside
// the bitsets sized as the parser promises.
#include <cstring>

#include "git/pack/pack_bitmap.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace pack = gitgate::git::pack;

using gitgate::fuzz::check;

void check_bitmap(std::span<const uint8_t> input) {
  uint16_t objects = 0;  // small counts keep each run fast
  if (input.size() >= 2) {
    std::memcpy(&objects, input.data(), 2);
    input = input.subspan(2);
  }
  auto parsed = pack::parse_pack_bitmap(input, objects);
  const auto* bitmap = std::get_if<pack::PackBitmap>(&parsed);
  if (bitmap == nullptr) {
    return;
  }
  pack::Bitset out(objects);
  pack::Bitset scratch(objects);
  for (uint32_t e = 0; e < bitmap->entry_count(); ++e) {
    bitmap->reachable_into(e, out, scratch);
  }
  // for_each names exactly the bits test() sees, all inside the pack.
  size_t next = 0;
  out.for_each([&](size_t bit) {
    check(bit < objects);
    for (; next < bit; ++next) {
      check(!out.test(next));
    }
    check(out.test(bit));
    next = bit + 1;
  });
}

void check_ewah(std::span<const uint8_t> input) {
  auto parsed = pack::parse_ewah(input);
  if (const auto* ewah = std::get_if<std::pair<pack::Ewah, size_t>>(&parsed)) {
    check(ewah->second <= input.size());
    pack::Bitset out(ewah->first.bit_count);
    pack::xor_into(ewah->first, out);  // inside out's words, or AddressSanitizer stops it
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  check_bitmap(input);
  check_ewah(input);
  return 0;
}
