// Finds the exact high-water mark of the live heap and what was live at that instant.
//
// One streaming pass over the trace (memory: live blocks + distinct stacks): replay every
// record, remember the highest live total and the record that first reached it (and per image,
// its own peak). The live bytes of each stack at that instant are kept alongside: at each new
// peak an epoch advances, and a stack that changes afterwards first saves the value it had at
// that peak (a lazy snapshot), so no second replay is needed.
// The peak is the sum of requested sizes of the blocks live after that record: exact to the
// byte, not sampled, not interpolated -- in every stack mode, since every event is recorded.
// With sampled stacks (--stacks=sampled) only the split of the peak by call site is estimated:
// each sampled live block stands for size / P(sampled) bytes and 1 / P(sampled) blocks, where
// P(sampled) = 1 - exp(-size / sample_bytes) (Poisson sampling by bytes); unsampled blocks
// are not attributed. The program's own mappings are replayed alongside (mapping_replay.h).
#pragma once

#include <stdint.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analyzer/allocation_stats.h"
#include "analyzer/own_peak_rss.h"
#include "analyzer/trace_catalog.h"
#include "analyzer/trace_stream.h"
#include "memwrap/trace_format.h"
#include "replay/heap_replay.h"
#include "replay/mapping_replay.h"

namespace memwrap {

struct HeapAnalysis {
  TraceCatalog catalog;
  HeapCounters totals;
  std::map<ImageId, HeapCounters> counters_by_image;
  std::map<ImageId, std::pair<uint64_t, uint64_t>> peak_by_image;  // (bytes, ts_ns)
  uint64_t peak_bytes = 0;
  uint64_t peak_ts_ns = 0;
  uint64_t peak_blocks = 0;
  std::map<std::pair<ImageId, StackId>, StackUsage> live_at_peak;  // by (image, stack)
  AllocationStats stats;  // whole-run totals, temporaries, leaks, threads
  bool sampled = false;   // live_at_peak holds estimates (see above)
  // --stacks=sampled from format 1.4 on: the trace holds only the sampled allocations and their
  // frees. Then the replay's peak and totals are those of the samples, not the program's: the
  // exact figures are the images' HEAP_COUNTERS (TraceCatalog), and `stats` weighs the samples.
  bool sampled_only = false;

  // The program's own mappings.
  MappingCounters mapping_totals;
  std::map<ImageId, uint64_t> peak_mapped_by_image;
  std::map<ImageId, MappingCounters> mapping_counters_by_image;
  uint64_t peak_mapped_bytes = 0;
  uint64_t peak_mapped_ts_ns = 0;
  uint64_t peak_heap_and_mapped_bytes = 0;  // the peak of their sum
  uint64_t peak_heap_and_mapped_ts_ns = 0;

  // Resident memory, from the /proc samples (estimates: a sample is a moment, not a peak).
  struct ImageRss {
    uint64_t samples = 0;
    // The largest VmHWM less memwrap's share at the time, over the samples that read that share,
    // and what those samples say about the peak at exit.
    uint64_t max_hwm = 0;
    OwnPeakRss own_peak;
    std::optional<uint64_t> max_memwrap_rss;  // memwrap's largest share in a sample, if known
    uint64_t at_heap_peak = 0;                // RSS in the last sample before the image's heap peak
    uint64_t at_heap_peak_age_ns = 0;         // how long before that peak the sample was taken
    bool have_at_heap_peak = false;
  };
  std::map<ImageId, ImageRss> rss_by_image;
  uint64_t rss_at_heap_peak = 0;  // sum over processes of their last RSS sample before the peak
  bool have_rss_at_heap_peak = false;
  // Native stack samples the tracer took (STACK_SAMPLE): how often each stack was seen, and
  // how many samples could not be unwound (stack 0).
  std::map<std::pair<ImageId, StackId>, uint64_t> stack_samples;
  uint64_t stack_samples_total = 0;
  uint64_t stack_samples_failed = 0;
};

// `sample_bytes`: the mean of the Poisson sampling the trace was recorded with (its session
// info), 0 when stacks were not sampled.
// `only_pid`: when not 0, the records of every other process are ignored.
// `heap_started`, when given, is called once, at the first allocation, with the catalog as it
// is then (the modules of the processes started so far), so that work that needs them can
// begin while the pass goes on.
// `whole_run_statistics`: false leaves `stats` empty (no per-site totals, temporaries, leaks or
// threads): what a summary of the peak alone needs, in less time.
HeapAnalysis AnalyzeHeap(TraceStream& stream, uint64_t sample_bytes, uint32_t only_pid = 0,
                         const std::function<void(const TraceCatalog&)>& heap_started = nullptr,
                         bool whole_run_statistics = true);

}  // namespace memwrap
