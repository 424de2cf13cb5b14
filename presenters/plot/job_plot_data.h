// The data of a parallel job's traces (the ranks of mpiexec / srun / PBS, docs/cluster.md) as
// the HTML report draws them: each rank's exact heap peak, the imbalance of those peaks, and
// per host the exact peak of its ranks' summed heap and that sum over time, on the wall clock
// recorded in each trace (host_totals.h). Keys: docs/plot.md.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "presenters/plot/plot_data.h"

namespace memwrap {

// `traces`: BuildPlotData of each trace (their `trace`, `host`, `rank`, `created_realtime_ns`
// and `peak`). Replays every trace once more, the traces of a host together. Throws TraceError
// when a trace cannot be read.
nlohmann::json BuildJobPlotData(const std::vector<nlohmann::json>& traces,
                                const PlotDataOptions& options);

}  // namespace memwrap
