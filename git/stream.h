// The byte streams a git service speaks over: the SSH channel in the server,
// pipes or socketpairs in tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace gitgate::git {

class Stream {
 public:
  virtual ~Stream() = default;
  // Reads up to out.size() bytes; returns the count, 0 at end of input, -1 on error.
  virtual ptrdiff_t read(std::span<uint8_t> out) = 0;
  // Writes all of data to the client's stdout; false when the client is gone.
  virtual bool write(std::span<const uint8_t> data) = 0;
  // Writes all of data to the client's stderr (messages outside the protocol).
  virtual bool write_stderr(std::span<const uint8_t> data) = 0;
};

}  // namespace gitgate::git
