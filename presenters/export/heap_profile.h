// What the exports and the plot need to know about a trace's heap, per call stack: the bytes and
// blocks live at the exact peak, what each stack allocated over the whole run, and what was
// still live when its process image ended. One streaming pass (AnalyzeHeap) fills it; frames
// are symbolized on demand.
#pragma once

#include <stdint.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analyzer/call_sites.h"
#include "analyzer/peak_analysis.h"
#include "analyzer/trace_stream.h"
#include "tracefile/trace_reader.h"

namespace memwrap {

struct StackValues {
  ImageId image = 0;
  StackId stack = kNoStack;
  StackUsage at_peak;     // live at the heap peak (estimated when stacks were sampled)
  StackTotals allocated;  // whole run: calls and bytes
  StackUsage leaked;      // live when the image ended
};

// Which value of a stack an export shows.
enum class StackMetric {
  kPeak,         // bytes live at the heap peak
  kAllocated,    // bytes allocated over the run
  kLeaked,       // bytes live when their image ended
  kAllocations,  // allocation calls over the run
};
uint64_t MetricValue(const StackValues& values, StackMetric metric);
// "peak", "allocated", "leaked", "allocations"; false for anything else.
bool ParseStackMetric(const std::string& name, StackMetric* metric);

class HeapProfile {
 public:
  // Reads the trace (one pass). Throws TraceError when it cannot be read.
  explicit HeapProfile(const std::string& trace_path);

  const std::string& trace_path() const { return trace_path_; }
  TraceStream& stream() { return *stream_; }
  const HeapAnalysis& analysis() const { return analysis_; }
  const TraceCatalog& catalog() const { return analysis_.catalog; }
  // The stream's warnings, and for a sampled-only trace what its figures are.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // A sampled-only trace (format 1.4 on): per-stack figures are estimates, heap-over-time
  // figures from the replay are the samples' own.
  bool sampled_only() const { return analysis_.sampled_only; }
  // Sampled-only traces: the largest image's peak from the shim's counters and its bound.
  uint64_t CountedPeakBytes() const;
  uint64_t CountedPeakBoundBytes() const;
  // A filtered trace (--keep-stacks-if): per-stack figures cover the kept allocations only; the
  // heap over time and the peak come from the collector's exact counters of every event.
  bool filtered() const { return filtered_; }
  // Filtered traces: the trace-wide peak counted from every event, and when (CLOCK_MONOTONIC).
  uint64_t FilteredPeakBytes() const;
  uint64_t FilteredPeakTsNs() const;
  // Time origin: the trace's creation (just before the program started).
  uint64_t origin_ns() const { return stream_->header().created_monotonic_ns; }
  uint64_t SinceStart(uint64_t ts_ns) const {
    return ts_ns > origin_ns() ? ts_ns - origin_ns() : 0;
  }
  // The recorded command line (of the first image, or the session's).
  std::string Command() const;
  // True when per-stack bytes at the peak are estimates (--stacks=sampled).
  bool estimated() const { return analysis_.sampled; }

  // Every stack with any value, ordered by (image, stack).
  const std::vector<StackValues>& stacks() const { return stacks_; }

  // Function names of a stack, outermost first (the order of a flame graph); a stack without
  // frames is "(no stack recorded)". Names never contain ';' or a newline.
  std::vector<std::string> FoldedFrames(ImageId image, StackId stack);
  CallSiteResolver& resolver() { return *resolver_; }

 private:
  std::string trace_path_;
  std::unique_ptr<TraceReader> reader_;
  std::unique_ptr<TraceStream> stream_;
  HeapAnalysis analysis_;
  std::vector<std::string> warnings_;
  bool filtered_ = false;
  std::unique_ptr<CallSiteResolver> resolver_;
  std::vector<StackValues> stacks_;
};

// A frame as a flame graph names it: the function, or "module+0xADDRESS" when unknown.
std::string FrameName(const SourceFrame& frame);

}  // namespace memwrap
