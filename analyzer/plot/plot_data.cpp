#include "plot/plot_data.h"

#include <algorithm>
#include <map>
#include <memory>

#include "export/exports.h"
#include "export/heap_profile.h"
#include "export/trace_events.h"
#include "plot/instant_index.h"
#include "plot/memory_series.h"

namespace memwrap {
namespace {

using nlohmann::json;

// A flame graph tree: {"n": name, "v": value, "c": [children]}, children largest first.
// Frames worth less than 1/5000 of the total are left out (their parent's value still counts
// them): they would be narrower than a pixel.
struct FlameNode {
  uint64_t value = 0;
  std::map<std::string, std::unique_ptr<FlameNode>> children;
};

json FlameJson(const std::string& name, const FlameNode& node, uint64_t min_value) {
  json out = {{"n", name}, {"v", node.value}};
  std::vector<std::pair<const std::string*, const FlameNode*>> children;
  for (const auto& [child_name, child] : node.children) {
    if (child->value >= min_value) children.push_back({&child_name, child.get()});
  }
  std::stable_sort(children.begin(), children.end(),
                   [](const auto& a, const auto& b) { return a.second->value > b.second->value; });
  if (!children.empty()) {
    out["c"] = json::array();
    for (const auto& [child_name, child] : children) {
      out["c"].push_back(FlameJson(*child_name, *child, min_value));
    }
  }
  return out;
}

json FlameTree(HeapProfile& profile, StackMetric metric, const char* root_name) {
  FlameNode root;
  for (const StackValues& values : profile.stacks()) {
    const uint64_t value = MetricValue(values, metric);
    if (value == 0) continue;
    root.value += value;
    FlameNode* node = &root;
    for (const std::string& frame : profile.FoldedFrames(values.image, values.stack)) {
      std::unique_ptr<FlameNode>& child = node->children[frame];
      if (!child) child = std::make_unique<FlameNode>();
      child->value += value;
      node = child.get();
    }
  }
  return FlameJson(root_name, root, std::max<uint64_t>(1, root.value / 5000));
}

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
  data["host"] = session_value("host");
  data["rank"] = session_value("rank");
  data["created_realtime_ns"] = profile.stream().header().created_realtime_ns;
  data["duration_ns"] = profile.SinceStart(analysis.catalog.last_ts_ns());
  data["warnings"] = profile.warnings();
  data["peak"] = {{"heap_bytes", analysis.peak_bytes},
                  {"time_ns", analysis.peak_bytes > 0 ? profile.SinceStart(analysis.peak_ts_ns) : 0},
                  {"blocks", analysis.peak_blocks},
                  {"sites_estimated", profile.estimated()}};

  // Heap and mapped bytes as steps at the instants they changed, RSS and PSS as sampled.
  json memory = BuildMemorySeries(profile, data["duration_ns"].get<uint64_t>(),
                                  options.chart_buckets);
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
      json marker = {{"time_ns", point.time_ns}, {"kind", kind}, {"pid", point.pid},
                     {"text", point.text}};
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

  data["flame"] = {{"peak", FlameTree(profile, StackMetric::kPeak, "heap at the peak")},
                   {"allocated", FlameTree(profile, StackMetric::kAllocated, "bytes allocated")},
                   {"allocations", FlameTree(profile, StackMetric::kAllocations, "allocation calls")},
                   {"leaked", FlameTree(profile, StackMetric::kLeaked, "leaked bytes")}};
  data["instants"] = BuildInstantIndex(profile, {options.max_instant_entries});
  return data;
}

}  // namespace memwrap
