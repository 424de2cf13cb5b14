// Memory over time (`memwrap timeline`): rows of heap, mapped, RSS and PSS per process (and in
// total when there are several), each naming the call sites that grew or shrank the heap most
// since the row before, with markers (program marks, starts, execs, exits).
//
// Rows come every `step` (by default the trace's sampling interval) and, between two rows,
// one more at the exact instant of the highest heap in between when it is higher than both:
// no spike between rows is lost. RSS and PSS are the last /proc sample at or before a row.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "symbols/symbolizer.h"

namespace memwrap {

struct TimelineSite {
  SourceFrame location;
  int64_t delta_bytes = 0;
};

struct TimelineRow {
  uint64_t time_ns = 0;  // since the trace was created
  uint32_t pid = 0;      // 0: all processes together
  std::string kind;      // "step" or "peak"
  uint64_t heap_bytes = 0;
  uint64_t mapped_bytes = 0;
  std::optional<uint64_t> rss_bytes;
  std::optional<uint64_t> pss_bytes;
  std::vector<TimelineSite> sites;   // largest |delta| first
  std::vector<std::string> markers;  // "mark: NAME", "start: CMD", "exec: CMD", "exit: ..."
};

struct Timeline {
  std::string trace_path;
  uint64_t step_ns = 0;
  uint64_t peak_heap_bytes = 0;
  // A sampled-only trace: heap_bytes come from the shim's counters at each interval and the
  // site deltas are estimates (a warning says so).
  bool sampled = false;
  // A filtered trace (--keep-stacks-if): heap_bytes likewise come from the collector's counters
  // of every event; sites cover the kept allocations.
  bool filtered = false;
  std::vector<TimelineRow> rows;
  std::vector<std::string> warnings;
};

struct TimelineOptions {
  uint64_t step_ns = 0;  // 0: the trace's sampling interval (10 ms if it has none)
  size_t sites_per_row = 3;
};

// Reads the trace (two streaming passes). Throws TraceError when it cannot be read.
Timeline BuildTimeline(const std::string& trace_path, const TimelineOptions& options);

std::string FormatTimelineText(const Timeline& timeline);
std::string FormatTimelineCsv(const Timeline& timeline);
std::string FormatTimelineJsonl(const Timeline& timeline);

}  // namespace memwrap
