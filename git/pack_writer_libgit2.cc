// PackWriter on libgit2's git_packbuilder: correct, but it recomputes every delta
// (see DESIGN.md), so it is the first writer, not the fast one.
#include <fmt/format.h>

#include "git/detail/libgit2.h"
#include "git/pack_writer.h"

namespace gitgate::git {
namespace {

using detail::last_error;
using detail::PackbuilderPtr;

struct WriteState {
  PackSink& sink;
  uint32_t delta_total = 0;  // objects considered for deltas, from the progress callback
  bool started = false;      // the first pack bytes went out
  bool client_gone = false;
};

int on_progress(int stage, uint32_t current, uint32_t total, void* payload) {
  auto& state = *static_cast<WriteState*>(payload);
  if (stage == GIT_PACKBUILDER_DELTAFICATION && total > 0) {
    state.delta_total = total;
    state.sink.progress(fmt::format("Compressing objects: {:3}% ({}/{})\r",
                                    uint64_t{current} * 100 / total, current, total));
  }
  return 0;
}

int on_chunk(void* buf, size_t size, void* payload) {
  auto& state = *static_cast<WriteState*>(payload);
  if (!state.started) {
    state.started = true;
    if (state.delta_total > 0) {  // deltas are all computed before the first byte
      state.sink.progress(fmt::format("Compressing objects: 100% ({}/{}), done.\n",
                                      state.delta_total, state.delta_total));
    }
  }
  if (!state.sink.pack_data(std::span(static_cast<const uint8_t*>(buf), size))) {
    state.client_gone = true;
    return GIT_EUSER;
  }
  return 0;
}

class Libgit2PackWriter : public PackWriter {
 public:
  std::optional<std::string> write(git_repository* repo, const ObjectSet& objects,
                                   PackSink& sink) override {
    git_packbuilder* raw = nullptr;
    if (git_packbuilder_new(&raw, repo) != 0) {
      return last_error("cannot create a pack");
    }
    PackbuilderPtr builder(raw);
    // One thread: pack generation is bounded by the server, not inside the builder.
    git_packbuilder_set_threads(builder.get(), 1);
    for (const PackObject& object : objects.objects) {
      const char* name = object.path.empty() ? nullptr : object.path.c_str();
      if (git_packbuilder_insert(builder.get(), &object.id, name) != 0) {
        return last_error("cannot add an object to the pack");
      }
    }
    WriteState state{sink};
    git_packbuilder_set_callbacks(builder.get(), on_progress, &state);
    if (git_packbuilder_foreach(builder.get(), on_chunk, &state) != 0) {
      return state.client_gone ? "the client went away" : last_error("cannot write the pack");
    }
    sink.progress(
        fmt::format("Total {} (libgit2 packbuilder)\n", git_packbuilder_written(builder.get())));
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<PackWriter> make_libgit2_pack_writer() {
  return std::make_unique<Libgit2PackWriter>();
}

}  // namespace gitgate::git
