// Git's delta format (gitformat-pack, "Deltified representation"): the data of an
// OFS_DELTA or REF_DELTA entry, applied to its base object.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace gitgate::git::detail {

// An object's bytes, allocated without being zeroed first (they are written at once).
class ObjectBuffer {
 public:
  ObjectBuffer() = default;
  explicit ObjectBuffer(size_t size)
      : bytes_(std::make_unique_for_overwrite<uint8_t[]>(size)), size_(size) {}
  uint8_t* data() { return bytes_.get(); }
  [[nodiscard]] std::span<const uint8_t> view() const { return {bytes_.get(), size_}; }
  [[nodiscard]] size_t size() const { return size_; }

 private:
  std::unique_ptr<uint8_t[]> bytes_;
  size_t size_ = 0;
};

struct DeltaSizes {
  uint64_t base = 0;    // what the base must measure
  uint64_t result = 0;  // what applying the delta yields
  size_t header_length = 0;
};

// The two sizes at the start of delta data; an error if they are cut short or overflow.
std::variant<DeltaSizes, std::string> parse_delta_sizes(std::span<const uint8_t> delta);

// Applies delta (whose sizes are `sizes`, from parse_delta_sizes) to base into out
// (sizes.result bytes). An empty string, or why the delta is bad: the base is not
// the size it names, an instruction reads past the base or the delta, writes past the
// result, or is the reserved opcode 0, or the result falls short.
std::string apply_delta(std::span<const uint8_t> base, std::span<const uint8_t> delta,
                        const DeltaSizes& sizes, uint8_t* out);

}  // namespace gitgate::git::detail
