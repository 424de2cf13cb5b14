// Finds the exact high-water mark of the live heap and what was live at that instant.
//
// Two streaming passes over the trace (memory: live blocks + distinct stacks):
//  1. replay every record, remember the highest live total and the ordinal of the record that
//     reached it first (and per image, its own peak);
//  2. replay again up to exactly that record and take the live set, grouped by stack.
// The peak is the sum of requested sizes of the blocks live after that record: exact to the
// byte, not sampled, not interpolated.
#pragma once

#include <stdint.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "heap_replay.h"
#include "trace_catalog.h"
#include "trace_stream.h"

namespace memwrap {

struct StackUsage {
  uint64_t bytes = 0;
  uint64_t blocks = 0;
};

struct HeapAnalysis {
  TraceCatalog catalog;
  HeapCounters totals;
  std::map<ImageId, HeapCounters> counters_by_image;
  std::map<ImageId, std::pair<uint64_t, uint64_t>> peak_by_image;  // (bytes, ts_ns)
  uint64_t peak_bytes = 0;
  uint64_t peak_ts_ns = 0;
  uint64_t peak_blocks = 0;
  std::map<std::pair<ImageId, StackId>, StackUsage> live_at_peak;  // by (image, stack)
};

HeapAnalysis AnalyzeHeap(TraceStream& stream);

}  // namespace memwrap
