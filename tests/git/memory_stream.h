// A Stream over memory for tests: input handed out in chunks of a chosen size,
// output and stderr captured. The fake sits at the I/O boundary only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "git/stream.h"

namespace gitgate::git::testing {

class MemoryStream : public Stream {
 public:
  explicit MemoryStream(std::string input, size_t chunk = 1 << 20)
      : input_(std::move(input)), chunk_(chunk) {}

  ptrdiff_t read(std::span<uint8_t> out) override {
    if (fail_reads_) {
      return -1;
    }
    const size_t n = std::min({chunk_, out.size(), input_.size() - pos_});
    std::copy_n(input_.begin() + static_cast<ptrdiff_t>(pos_), n, out.begin());
    pos_ += n;
    return static_cast<ptrdiff_t>(n);
  }
  bool write(std::span<const uint8_t> data) override {
    output_.append(data.begin(), data.end());
    return !fail_writes_ && output_.size() <= writes_fail_after_;
  }
  bool write_stderr(std::span<const uint8_t> data) override {
    stderr_.append(data.begin(), data.end());
    return true;
  }

  void fail_reads() { fail_reads_ = true; }
  void fail_writes() { fail_writes_ = true; }
  // A client that goes away once it has taken this many bytes (say, mid-pack).
  void fail_writes_after(size_t bytes) { writes_fail_after_ = bytes; }
  const std::string& output() const { return output_; }
  const std::string& err() const { return stderr_; }

 private:
  std::string input_;
  size_t chunk_;
  size_t pos_ = 0;
  bool fail_reads_ = false;
  bool fail_writes_ = false;
  size_t writes_fail_after_ = SIZE_MAX;
  std::string output_;
  std::string stderr_;
};

}  // namespace gitgate::git::testing
