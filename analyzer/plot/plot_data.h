// The data of one trace as the HTML report draws it (memwrap plot): memory series over time
// (downsampled, min and max kept per pixel, so the exact peak survives), the heap peak,
// markers, the call sites live at the peak, and flame graph trees. Keys: docs/plot.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace memwrap {

struct PlotDataOptions {
  size_t chart_buckets = 1600;  // time spans per series: about one per pixel of the chart
  size_t max_sites = 200;       // rows of the peak-consumers table
  size_t max_markers = 2000;    // per kind; more are thinned evenly (the count is kept)
  size_t max_instant_entries = 400'000;  // budget of the instant index (instant_index.h)
};

// Reads the trace (five streaming passes). Throws TraceError when it cannot be read.
nlohmann::json BuildPlotData(const std::string& trace_path, const PlotDataOptions& options);

}  // namespace memwrap
