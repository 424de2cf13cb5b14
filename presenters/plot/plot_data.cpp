#include "presenters/plot/plot_data.h"

#include <map>
#include <vector>

#include "memwrap/session_info_keys.h"
#include "presenters/export/heap_profile.h"
#include "presenters/export/trace_events.h"
#include "presenters/plot/flame_tree.h"
#include "presenters/plot/instant_index.h"
#include "presenters/plot/memory_series.h"

namespace memwrap {
namespace {

using nlohmann::json;

json Frames(const std::vector<SourceFrame>& frames) {
  json out = json::array();
  for (const SourceFrame& frame : frames) {
    std::string text = FrameName(frame);
    if (!frame.file.empty()) text += "  " + frame.file + ":" + std::to_string(frame.line);
    out.push_back(text);
  }
  return out;
}

}  // namespace

json BuildPlotData(const std::string& trace_path, const PlotDataOptions& options) {
  HeapProfile profile(trace_path);
  const HeapAnalysis& analysis = profile.analysis();
  TraceEvents events = CollectTraceEvents(profile.stream(), profile.origin_ns());

  json data;
  data["trace"] = trace_path;
  data["command"] = profile.Command();
  // Which host and rank of a parallel job (docs/cluster.md), and the wall-clock time of the
  // trace's creation (time 0 of its series), to line traces up.
  const auto& session = profile.stream().session_info();
  auto session_value = [&](const char* key) {
    auto found = session.find(key);
    return found == session.end() || found->second.empty() ? json(nullptr) : json(found->second);
  };
  data["host"] = session_value(session_key::kHost);
  data["rank"] = session_value(session_key::kRank);
  data["created_realtime_ns"] = profile.stream().header().created_realtime_ns;
  data["duration_ns"] = profile.SinceStart(analysis.catalog.last_ts_ns());
  data["warnings"] = profile.warnings();
  data["peak"] = {
      {"heap_bytes", analysis.peak_bytes},
      {"time_ns", analysis.peak_bytes > 0 ? profile.SinceStart(analysis.peak_ts_ns) : 0},
      {"blocks", analysis.peak_blocks},
      {"sites_estimated", profile.estimated()}};
  // A sampled-only trace: the peak from the shim's counters, within its bound; no time, no
  // block count (heap_profile.h).
  data["sampled"] = profile.sampled_only();
  if (profile.sampled_only()) {
    data["peak"] = {{"heap_bytes", profile.CountedPeakBytes()},
                    {"bound_bytes", profile.CountedPeakBoundBytes()},
                    {"time_ns", nullptr},
                    {"blocks", nullptr},
                    {"sites_estimated", true}};
  }

  // A filtered trace: the peak counted from every event, exact with its time; sites are the
  // kept allocations' at their own peak.
  data["filtered"] = profile.filtered();
  if (profile.filtered()) {
    data["peak"] = {{"heap_bytes", profile.FilteredPeakBytes()},
                    {"time_ns", profile.SinceStart(profile.FilteredPeakTsNs())},
                    {"blocks", nullptr},
                    {"sites_estimated", false}};
  }

  // Heap and mapped bytes as steps at the instants they changed, RSS and PSS as sampled.
  json memory =
      BuildMemorySeries(profile, data["duration_ns"].get<uint64_t>(), options.chart_buckets);
  data["series"] = std::move(memory["series"]);
  data["series_counts"] = std::move(memory["series_counts"]);

  // Markers, at most max_markers of each kind (thinned evenly; the total is kept).
  std::map<std::string, std::vector<const PointEvent*>> by_kind;
  for (const PointEvent& point : events.points) by_kind[point.category].push_back(&point);
  data["markers"] = json::array();
  data["marker_counts"] = json::object();
  for (const auto& [kind, points] : by_kind) {
    data["marker_counts"][kind] = points.size();
    const size_t stride = (points.size() + options.max_markers - 1) / options.max_markers;
    for (size_t i = 0; i < points.size(); i += stride) {
      const PointEvent& point = *points[i];
      json marker = {
          {"time_ns", point.time_ns}, {"kind", kind}, {"pid", point.pid}, {"text", point.text}};
      if (kind == "stack_sample") {
        marker["tid"] = point.tid;
        marker["stack"] = Frames(profile.resolver().Frames(point.image, point.stack));
      }
      data["markers"].push_back(marker);
    }
  }

  // The call sites live at the peak.
  std::vector<CallSite> sites = profile.resolver().Resolve(analysis.live_at_peak);
  data["site_count"] = sites.size();
  data["sites"] = json::array();
  if (sites.size() > options.max_sites) sites.resize(options.max_sites);
  profile.resolver().FillStacks(&sites);
  for (size_t i = 0; i < sites.size(); ++i) {
    const CallSite& site = sites[i];
    data["sites"].push_back({{"function", FrameName(site.location)},
                             {"file", site.location.file},
                             {"line", site.location.line},
                             {"module", site.location.module},
                             {"bytes", site.bytes},
                             {"blocks", site.allocations},
                             {"stack", Frames(site.stack)}});
  }

  data["flame"] = BuildFlameTrees(profile);
  // The instant index sums every event; a sampled-only trace has only the samples, so it has
  // none (the page says so) rather than the samples' own totals.
  data["instants"] = profile.sampled_only() || profile.filtered()
                         ? nlohmann::json(nullptr)
                         : BuildInstantIndex(profile, {options.max_instant_entries});
  return data;
}

}  // namespace memwrap
