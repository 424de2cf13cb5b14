// Sampled mode's exact per-thread figures, from an image's THREAD_HEAP_COUNTERS records
// (memwrap/records.h, ThreadHeapCountersRecord): the records of threads that left their
// counter slot give their own figures; a slot still claimed when the image ended gives its
// sums, less those of the threads that left it before.
#pragma once

#include <stdint.h>

#include <utility>
#include <vector>

#include "analyzer/allocation_stats.h"
#include "memwrap/records.h"

namespace memwrap {

// (tid, figures) by tid, a tid seen twice summed; `frees` counts free() calls, as the
// per-thread figures of a full trace do (a realloc's release of its old block is not one).
// tid 0: the threads that found no free slot, together.
std::vector<std::pair<uint32_t, ThreadTotals>> SampledThreads(
    const std::vector<ThreadHeapCountersRecord>& records);

}  // namespace memwrap
