#include "server/metrics_page.h"

#include <utility>
#include <vector>

#include "git/upload_pack.h"
#include "metrics/exposition.h"
#include "metrics/process.h"
#include "server/server_metrics.h"

namespace gitgate::server {
namespace {

using metrics::MetricFamily;
using metrics::Sample;
using metrics::Type;

Sample labelled(const char* name, const char* label, const char* value, double number) {
  return Sample{name, {metrics::Label{label, value}}, number};
}

void pack_cache(const git::PackCache* cache, std::vector<MetricFamily>& out) {
  const git::PackCache::Counters counters = cache ? cache->counters() : git::PackCache::Counters{};
  constexpr const char* kRequests = "gitgate_pack_cache_requests_total";
  out.push_back(MetricFamily{
      kRequests,
      "Clone requests the pack cache answered: from an entry (hit), from an identical "
      "request's generation in progress (shared), not at all (miss), or with a corrupt entry.",
      Type::kCounter,
      {labelled(kRequests, "result", "hit", static_cast<double>(counters.hits)),
       labelled(kRequests, "result", "shared", static_cast<double>(counters.shared)),
       labelled(kRequests, "result", "miss", static_cast<double>(counters.misses)),
       labelled(kRequests, "result", "corrupt", static_cast<double>(counters.corrupt))}});
  const double bytes =
      cache ? static_cast<double>(cache->stored_bytes() + cache->in_flight_bytes()) : 0;
  out.push_back(MetricFamily{"gitgate_pack_cache_bytes",
                             "Bytes the pack cache holds on disk: entries, and packs being "
                             "written into it.",
                             Type::kGauge,
                             {Sample{"gitgate_pack_cache_bytes", {}, bytes}}});
}

}  // namespace

std::string metrics_page(const ServerContext& context) {
  std::vector<MetricFamily> families = server_metrics().registry().collect();
  const size_t open = context.admission.open_connections();
  const size_t unauthenticated = context.admission.unauthenticated_connections();
  constexpr const char* kOpen = "gitgate_connections_open";
  families.push_back(MetricFamily{
      kOpen,
      "Connections open, before and after authentication.",
      Type::kGauge,
      {labelled(kOpen, "state", "unauthenticated", static_cast<double>(unauthenticated)),
       labelled(kOpen, "state", "authenticated",
                static_cast<double>(open - std::min(open, unauthenticated)))}});
  pack_cache(context.pack_cache, families);
  const git::PackGenerations generations = git::pack_generations();
  constexpr const char* kGenerations = "gitgate_pack_generations";
  families.push_back(MetricFamily{
      kGenerations,
      "Requests counting objects or writing a pack (running, one per core at most), and "
      "waiting for a core (queued).",
      Type::kGauge,
      {labelled(kGenerations, "state", "running", static_cast<double>(generations.running)),
       labelled(kGenerations, "state", "queued", static_cast<double>(generations.queued))}});
  for (MetricFamily& family : metrics::process_metrics()) {
    families.push_back(std::move(family));
  }
  return metrics::write_text(families);
}

}  // namespace gitgate::server
