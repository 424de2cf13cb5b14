// `memwrap export`: a trace in the formats of the viewers people already use.
//   folded  "frame;frame;frame VALUE" lines (flamegraph.pl, speedscope, inferno)
//   massif  massif.out (ms_print, massif-visualizer), its peak snapshot the exact heap peak
//   pprof   gzipped profile.proto (go tool pprof), alloc_* over the run, inuse_* at the peak
//   chrome  Trace Event JSON (Perfetto UI, chrome://tracing)
// Formats and keys: docs/export.md.
#pragma once

#include <string>

#include "analyzer/timeline.h"
#include "presenters/export/heap_profile.h"
#include "presenters/export/trace_events.h"

namespace memwrap {

// One line per distinct stack (outermost frame first) with a value for `metric`, sorted. For
// kPeak the values add up to the exact heap peak (unless stacks were sampled: then they are
// estimates of the sampled blocks' share).
std::string ExportFolded(HeapProfile& profile, StackMetric metric);

// Snapshots of the heap over time (from the timeline, at most ~100, with min/max kept per
// span), and one detailed snapshot, marked peak, at the exact heap peak with its call tree.
std::string ExportMassif(HeapProfile& profile, const Timeline& timeline);

// The gzipped profile.proto (github.com/google/pprof/proto/profile.proto).
std::string ExportPprof(HeapProfile& profile);

// Trace Event JSON: memory counters ("ph":"C") from the timeline, one slice ("ph":"X") per
// system call on its thread, instants ("ph":"i") for marks, stdout lines, starts, execs, exits,
// stack samples and the heap peak.
std::string ExportChrome(HeapProfile& profile, const Timeline& timeline, const TraceEvents& events);

// The rows of a timeline that describe the whole trace: the "all processes" rows when the
// trace has several processes, otherwise every row.
std::vector<const TimelineRow*> TotalRows(const Timeline& timeline);

}  // namespace memwrap
