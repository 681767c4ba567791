// Feeds arbitrary bytes to PackStreamReader, whole and in chunks whose size comes from the
// first input byte; checks that the split does not change the answer (the same error, or
// the same end of the pack) and that consumed never passes what was given.
#include <string>

#include "git/receive/pack_stream.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using gitgate::fuzz::check;
using gitgate::git::PushSettings;
using gitgate::git::detail::PackStreamReader;

struct Outcome {
  bool done = false;
  size_t consumed = 0;
  std::string error;
};

Outcome run(std::span<const uint8_t> input, size_t chunk) {
  PushSettings limits;
  limits.max_pack_bytes = 1 << 20;
  limits.max_object_bytes = 1 << 20;
  PackStreamReader reader(limits);
  Outcome outcome;
  size_t at = 0;
  do {  // an empty input is fed once, as an empty span
    const auto piece = input.subspan(at, std::min(chunk, input.size() - at));
    const auto result = reader.feed(piece);
    if (const auto* error = std::get_if<PackStreamReader::Error>(&result)) {
      check(!error->reason.empty());
      return Outcome{false, 0, error->reason};  // what came before the error does not count
    }
    const auto& progress = std::get<PackStreamReader::Progress>(result);
    check(progress.consumed <= piece.size());
    outcome.consumed += progress.consumed;
    if (progress.done) {
      outcome.done = true;
      return outcome;
    }
    check(progress.consumed == piece.size());
    check(reader.objects_seen() <= reader.object_count());
    at += piece.size();
  } while (at < input.size());
  check(reader.bytes_seen() == outcome.consumed);
  return outcome;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const size_t chunk = size_t{data[0]} + 1;
  const std::span<const uint8_t> input(data + 1, size - 1);
  const Outcome whole = run(input, input.size() + 1);
  const Outcome split = run(input, chunk);
  check(whole.done == split.done && whole.consumed == split.consumed && whole.error == split.error);
  return 0;
}
