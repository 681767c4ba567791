// gitformat-pack, "Deltified representation":
//
//   delta = base-size result-size instruction*        ; sizes: little-endian varints,
//                                                     ; 7 bits a byte, MSB = more
//   copy:   1xxxxxxx [offset1][offset2][offset3][offset4][size1][size2][size3]
//           bits 0-3 say which offset bytes follow, bits 4-6 which size bytes
//           (little-endian); "Size zero is automatically converted to 0x10000"
//   insert: 0xxxxxxx, then that many (1-127) literal bytes
//   "Instruction with opcode 0x00 is reserved for future expansion"
#include "git/receive/detail/delta.h"

#include <fmt/format.h>

#include <cstring>

namespace gitgate::git::detail {
namespace {

constexpr uint8_t kCopy = 0x80;

bool read_varint(std::span<const uint8_t> bytes, size_t& pos, uint64_t& value) {
  value = 0;
  unsigned shift = 0;
  for (;;) {
    if (pos >= bytes.size() || shift > 63) {
      return false;
    }
    const uint8_t c = bytes[pos++];
    const uint64_t bits = c & 0x7f;
    if (shift > 0 && bits > (UINT64_MAX >> shift)) {
      return false;
    }
    value |= bits << shift;
    if ((c & 0x80) == 0) {
      return true;
    }
    shift += 7;
  }
}

}  // namespace

std::variant<DeltaSizes, std::string> parse_delta_sizes(std::span<const uint8_t> delta) {
  DeltaSizes sizes;
  size_t pos = 0;
  if (!read_varint(delta, pos, sizes.base) || !read_varint(delta, pos, sizes.result)) {
    return std::string("bad delta header");
  }
  sizes.header_length = pos;
  return sizes;
}

std::string apply_delta(std::span<const uint8_t> base, std::span<const uint8_t> delta,
                        const DeltaSizes& sizes, uint8_t* out) {
  if (sizes.base != base.size()) {
    return fmt::format("delta base is {} bytes, the delta expects {}", base.size(), sizes.base);
  }
  uint8_t* const begin = out;
  uint8_t* dst = begin;
  const uint8_t* const end = begin + sizes.result;
  const uint8_t* p = delta.data() + sizes.header_length;
  const uint8_t* const delta_end = delta.data() + delta.size();
  while (p < delta_end) {
    const uint8_t op = *p++;
    if ((op & kCopy) != 0) {
      // Each flagged byte follows in order; the count of them bounds the read.
      uint64_t offset = 0;
      uint64_t size = 0;
      for (unsigned i = 0; i < 7; ++i) {
        if ((op & (1U << i)) == 0) {
          continue;
        }
        if (p >= delta_end) {
          return "delta copy instruction cut short";
        }
        const uint64_t byte = *p++;
        if (i < 4) {
          offset |= byte << (8 * i);
        } else {
          size |= byte << (8 * (i - 4));
        }
      }
      if (size == 0) {
        size = 0x10000;
      }
      if (offset > base.size() || size > base.size() - offset) {
        return "delta copies from outside its base";
      }
      if (size > static_cast<uint64_t>(end - dst)) {
        return "delta writes past its result size";
      }
      std::memcpy(dst, base.data() + offset, size);
      dst += size;
    } else if (op != 0) {
      if (op > delta_end - p) {
        return "delta insert instruction cut short";
      }
      if (op > end - dst) {
        return "delta writes past its result size";
      }
      std::memcpy(dst, p, op);
      dst += op;
      p += op;
    } else {
      return "delta has the reserved instruction 0";
    }
  }
  if (dst != end) {
    return fmt::format("delta yields {} bytes, not its {}", dst - begin, sizes.result);
  }
  return {};
}

}  // namespace gitgate::git::detail
