// Sampled mode's bookkeeping (--stacks=sampled): exact per-thread heap counters kept in the
// ring's counter area (memwrap/ring.h, HeapCounterArea), and the set of sampled blocks that
// tells a free of a sampled block (recorded) from any other free (only counted).
//
// Unsampled calls touch only the calling thread's counter slot and its sampler state: no
// system call, no lock, no lock-prefixed instruction except when the thread's live-heap change
// passes the flush threshold.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "memwrap/ring.h"

namespace memwrap::shim {

// A thread's live-heap change is added to the shared total once it reaches this many bytes:
// the peak is then known within threads x kSampledFlushBytes.
inline constexpr uint32_t kSampledFlushBytes = 64 * 1024;

// Sets up the counter area of a fresh ring and, the first time, the sampled-block set.
// False when the set cannot be mapped (the shim then runs untraced).
// `tid`: the calling thread's id, cached (the shim's: no system call once a thread prepared
// for seccomp).
bool InitSampledHeap(HeapCounterArea* area, uint64_t sample_bytes, uint32_t (*tid)());

// After fork, in the child: the calling thread's slot belongs to the parent's ring, and the
// parent's sampled blocks are not this process's samples.
void ResetSampledHeapAfterFork();

// Counters. `usable`: the allocator's usable size of the block (malloc_usable_size).
void CountAllocation(uint64_t requested, uint64_t usable);
void CountRelease(uint64_t usable);

// The sampled-block set. Track: false when the block's bucket is full (the sample is then
// dropped and counted as untracked, so that no free goes unmatched). Untrack: true when the
// block was a tracked sample (and removes it).
bool TrackSampledBlock(const void* block);
bool UntrackSampledBlock(const void* block);

}  // namespace memwrap::shim
