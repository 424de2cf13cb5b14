// The self-contained HTML report of `memwrap plot`: one file, no network (styles, script and
// data inline), the chart drawn as SVG by plot.js in the browser.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace memwrap {

struct PlotPageOptions {
  std::string title = "memwrap report";
  bool dark = false;  // open in dark mode (the page has a toggle either way)
};

struct PlotPageData {
  std::vector<nlohmann::json> traces;  // BuildPlotData of each program's trace, drawn overlaid
  nlohmann::json systems;  // BuildSystemPlotData of the system logs; null when there are none
  nlohmann::json job;      // BuildJobPlotData of several program traces; null otherwise
};

// A section per kind of data present: system memory per host, the job's ranks and hosts, and
// the programs' memory, peak consumers and flame graph.
std::string BuildPlotHtml(const PlotPageData& data, const PlotPageOptions& options);

}  // namespace memwrap
