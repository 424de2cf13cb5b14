#include "presenters/plot/job_plot_data.h"

#include <algorithm>

#include "analyzer/host_totals.h"

namespace memwrap {

using nlohmann::json;

json BuildJobPlotData(const std::vector<json>& traces, const PlotDataOptions& options) {
  // Time 0 of the job's charts: the earliest trace's creation, on the wall clock.
  uint64_t origin = UINT64_MAX;
  for (const json& trace : traces) {
    origin = std::min(origin, trace["created_realtime_ns"].get<uint64_t>());
  }
  if (traces.empty()) origin = 0;
  auto since = [origin](uint64_t realtime) { return realtime > origin ? realtime - origin : 0; };

  json job;
  job["origin_realtime_ns"] = origin;
  job["ranks"] = json::array();
  std::vector<HostTrace> host_traces;
  uint64_t max = 0, min = UINT64_MAX, total = 0;
  for (const json& trace : traces) {
    const uint64_t peak = trace["peak"]["heap_bytes"].get<uint64_t>();
    const uint64_t peak_realtime =
        trace["created_realtime_ns"].get<uint64_t>() + trace["peak"]["time_ns"].get<uint64_t>();
    job["ranks"].push_back(
        {{"trace", trace["trace"]},
         {"host", trace["host"]},
         {"rank", trace["rank"]},
         {"peak_heap_bytes", peak},
         {"peak_heap_time_ns", peak > 0 ? json(since(peak_realtime)) : json(nullptr)}});
    max = std::max(max, peak);
    min = std::min(min, peak);
    total += peak;
    host_traces.push_back({trace["trace"].get<std::string>(),
                           trace["host"].is_string() ? trace["host"].get<std::string>() : ""});
  }
  if (traces.empty()) min = 0;
  const double mean = traces.empty() ? 0.0 : double(total) / double(traces.size());
  job["peak_heap_bytes"] = {{"max", max}, {"min", min}, {"mean", mean}, {"total", total}};
  job["peak_heap_imbalance"] = {
      {"max_over_min", min != 0 ? json(double(max) / double(min)) : json(nullptr)},
      {"max_over_mean", mean != 0 ? json(double(max) / mean) : json(nullptr)}};

  job["hosts"] = json::array();
  for (const HostTotal& host : ComputeHostTotals(host_traces, options.chart_buckets)) {
    json series = json::array();
    for (const auto& [realtime, bytes] : host.heap_series)
      series.push_back({since(realtime), bytes});
    job["hosts"].push_back(
        {{"host", host.host.empty() ? json(nullptr) : json(host.host)},
         {"traces", host.traces},
         {"peak_heap_bytes", host.peak_heap_bytes},
         {"peak_heap_realtime_ns", host.peak_heap_realtime_ns},
         {"peak_heap_time_ns",
          host.peak_heap_bytes > 0 ? json(since(host.peak_heap_realtime_ns)) : json(nullptr)},
         {"sum_of_trace_peaks_bytes", host.sum_of_trace_peaks},
         {"series", std::move(series)}});
  }
  return job;
}

}  // namespace memwrap
