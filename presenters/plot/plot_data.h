// The data of one trace as the HTML report draws it (memwrap plot): memory series over time
// (heap and mapped as steps at their events, RSS and PSS as sampled; reduced per pixel column
// without losing an extreme, so the exact peak survives), the heap peak,
// markers, the call sites live at the peak, and flame graph trees. Keys: docs/plot.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace memwrap {

struct PlotDataOptions {
  size_t chart_buckets = 1600;           // pixel columns of a series: about the chart's width
  size_t max_sites = 200;                // rows of the peak-consumers table
  size_t max_markers = 2000;             // per kind; more are thinned evenly (the count is kept)
  size_t max_instant_entries = 400'000;  // budget of the instant index (instant_index.h)
};

// Reads the trace (several streaming passes, none holding its events). Throws TraceError when it
// cannot be read.
nlohmann::json BuildPlotData(const std::string& trace_path, const PlotDataOptions& options);

}  // namespace memwrap
