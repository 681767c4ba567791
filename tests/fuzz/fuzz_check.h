// What a fuzz target asserts about a successful parse: a broken promise aborts, and
// libFuzzer reports the input that broke it.
#pragma once

#include <cstdlib>

namespace gitgate::fuzz {

inline void check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace gitgate::fuzz
