// The data of system logs (dlogger, cronlogger, `memwrap sys`) as the HTML report draws them:
// system memory over time per host, in bytes (used, available, buffers/cache, free, swap used,
// total), in percent (used and buffers/cache of MemTotal, swap used of SwapTotal) and as swap
// (used and total). Several logs of one host make one host; hosts share one clock, the wall
// clock recorded in every sample. Keys: docs/plot.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "presenters/plot/plot_data.h"

namespace memwrap {

// {"origin_realtime_ns", "hosts": [...]}: times are ns since origin_realtime_ns, the earliest
// sample of all the logs. Throws TraceError when a log cannot be read or is not a system log.
nlohmann::json BuildSystemPlotData(const std::vector<std::string>& trace_paths,
                                   const PlotDataOptions& options);

}  // namespace memwrap
