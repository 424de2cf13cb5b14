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

// `traces`: BuildPlotData of each trace, drawn overlaid.
std::string BuildPlotHtml(const std::vector<nlohmann::json>& traces, const PlotPageOptions& options);

}  // namespace memwrap
