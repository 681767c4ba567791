#include "git/protocol/upload_pack_labels.h"

#include <array>
#include <string_view>

namespace gitgate::git::detail {
namespace {

// One command label at a time: a v2 session that lists refs and then fetches is a clone
// (or fetch), not also "refs".
constexpr std::array<std::string_view, 3> kCommands = {"refs", "clone", "fetch"};
constexpr std::array<std::string_view, 2> kCache = {"cache:hit", "cache:miss"};

}  // namespace

UploadPackLabels::UploadPackLabels(RequestLabels& labels, int version) : labels_(labels) {
  labels_.add("protocol:" + std::to_string(version));
}

void UploadPackLabels::refs_served() {
  if (!pack_) {
    labels_.set_one_of(kCommands, "refs");
  }
}

void UploadPackLabels::pack_started(bool client_has_objects) {
  pack_ = true;
  fetched_ = fetched_ || client_has_objects;
  labels_.set_one_of(kCommands, fetched_ ? "fetch" : "clone");
}

void UploadPackLabels::shallow_served() { labels_.add("shallow"); }

void UploadPackLabels::cache_used(CacheUse use) { labels_.set_one_of(kCache, cache_label(use)); }

void UploadPackLabels::failed() {
  if (!pack_) {
    labels_.set_one_of(kCommands, "");
  }
}

}  // namespace gitgate::git::detail
