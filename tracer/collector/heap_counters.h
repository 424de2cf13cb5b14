// Sampled mode: the collector's reading of a ring's heap counters (memwrap/ring.h,
// HeapCounterArea) into a HEAP_COUNTERS record (memwrap/records.h).
#pragma once

#include <stdint.h>

#include <vector>

#include "memwrap/records.h"

namespace memwrap {

// False when the ring's shim does not keep counters (not sampled mode). `final`: the image
// ended, so no thread changes them any more. The figures come from memory the traced process
// can write: they are summed as read, never used to index or size anything.
bool ReadHeapCounters(const void* mapping, uint64_t mapping_size, uint64_t ts_ns, bool final,
                      HeapCountersRecord* out);

// After the image ended: a THREAD_HEAP_COUNTERS record with the slot's sums
// (kThreadHeapCountersSlotTotal) for each slot still claimed, and for the overflow slot if
// any thread counted there. Empty when the ring's shim keeps no counters.
std::vector<ThreadHeapCountersRecord> ReadClaimedSlots(const void* mapping, uint64_t mapping_size,
                                                       uint64_t ts_ns);

}  // namespace memwrap
