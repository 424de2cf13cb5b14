// The heap of each host of a parallel job over time: the traces of the ranks that ran on one
// host, summed on a common clock. Each trace's monotonic timestamps are put on the wall clock
// with the offset recorded in its header (created_realtime_ns - created_monotonic_ns), so
// traces from several hosts and processes line up.
//
// The host's peak is exact: the heap changes of all its traces are merged in time order (one
// replay per trace, each on a thread of its own feeding a bounded queue), and the largest sum
// after any change is kept. It is at most the sum of the ranks' own peaks, which need not
// coincide. Memory: the traces' live blocks plus a few batches of changes per trace.
//
// The summed heap over time (for `memwrap plot`) is reduced while the changes are merged: min
// and max per span of time (analyzer/downsample.h, MinMaxStream), so the exact peak is one of
// its points and memory stays O(spans), not O(changes).
#pragma once

#include <stdint.h>

#include <string>
#include <utility>
#include <vector>

namespace memwrap {

struct HostTrace {
  std::string path;
  std::string host;
};

struct HostTotal {
  std::string host;
  std::vector<std::string> traces;
  uint64_t peak_heap_bytes = 0;        // the largest sum of the traces' live heaps
  uint64_t peak_heap_realtime_ns = 0;  // when (CLOCK_REALTIME, ns since the epoch); 0 if none
  uint64_t sum_of_trace_peaks = 0;     // the traces' own heap peaks added up
  // (realtime ns, summed heap bytes) after changes, min and max kept per span of time; the
  // largest is the peak above. Empty when no trace's heap ever changed.
  std::vector<std::pair<uint64_t, uint64_t>> heap_series;
};

// One entry per host, in order of first appearance. Throws TraceError when a trace cannot be
// read.
// `series_spans`: spans of time of heap_series (about one per pixel of a chart).
std::vector<HostTotal> ComputeHostTotals(const std::vector<HostTrace>& traces,
                                         size_t series_spans = 1600);

}  // namespace memwrap
