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

#include <atomic>

#include "memwrap/records.h"
#include "memwrap/ring.h"
#include "preload/shim.h"
#include "preload/usable_size.h"

namespace memwrap::shim {

// --stacks=sampled: only sampled allocations and their frees are recorded.
extern bool g_sampled;
// Bytes left until this thread's next sample (0: not drawn yet; shim.cpp draws it).
extern __thread int64_t t_bytes_until_sample __attribute__((tls_model("initial-exec")));
// The calling thread's counter slot once it claimed one (never the shared overflow slot).
extern __thread HeapCounterSlot* t_slot __attribute__((tls_model("initial-exec")));
// How many entries each bucket of the sampled-block set holds. Nearly every free is of an
// unsampled block and finds its bucket's count 0 here without reading the bucket: the counts
// take 8 KiB, which stay in the cache, where the buckets take 512 KiB, and a free of a block
// allocated long ago read a bucket's line from memory (9% of malloc_bench's time in sampled
// mode). A count goes up before its entry goes in and down after it came out, so a count of 0
// means an empty bucket to any thread that got the block from the thread that tracked it.
extern std::atomic<uint8_t>* g_bucket_counts;
inline constexpr uint32_t kSampledBucketBits = 13;

inline size_t SampledBucketOf(const void* block) {
  const uint64_t hash = (uint64_t(reinterpret_cast<uintptr_t>(block)) >> 4) * 0x9e3779b97f4a7c15ull;
  return size_t(hash >> (64 - kSampledBucketBits));
}

// A thread's live-heap change is added to the shared total once it reaches this many bytes:
// the peak is then known within threads x kSampledFlushBytes.
inline constexpr uint32_t kSampledFlushBytes = 64 * 1024;

// Sets up the counter area of a fresh ring and, the first time, the sampled-block set.
// False when the set cannot be mapped (the shim then runs untraced).
// `tid`: the calling thread's id, cached (the shim's: no system call once a thread prepared
// for seccomp). `publish_thread_counters`: sends a thread's own figures when it leaves its
// slot (timestamps and publishes the record).
bool InitSampledHeap(HeapCounterArea* area, uint64_t sample_bytes, uint32_t (*tid)(),
                     bool (*publish_thread_counters)(ThreadHeapCountersRecord*));

// After fork, in the child: the calling thread's slot belongs to the parent's ring, and the
// parent's sampled blocks are not this process's samples.
void ResetSampledHeapAfterFork();

// Counters. `usable`: the allocator's usable size of the block (malloc_usable_size).
void CountAllocation(uint64_t requested, uint64_t usable);
// `by_realloc`: the release of a realloc's old block (counted apart from free() calls too).
void CountRelease(uint64_t usable, bool by_realloc);

// The sampled-block set. Track: false when the block's bucket is full (the sample is then
// dropped and counted as untracked, so that no free goes unmatched). Untrack: true when the
// block was a tracked sample (and removes it).
bool TrackSampledBlock(const void* block);
bool UntrackSampledBlock(const void* block);

// The fast path, inlined into the malloc and free hooks: an unsampled call on a thread that
// owns a counter slot, whose live-heap change stays under the flush threshold, adds to its
// slot and returns true, with no call out of the hook. Anything else (tracing off, a nested
// call, the thread's first call, a sample, a flush, a sampled block's free) returns false
// having changed nothing, and the hook takes the full path (RecordAlloc, RecordFree), which
// does the same counting and more. The conditions are checked with the re-entrancy guard set,
// so that a signal handler's allocation cannot interleave with the counts.
inline bool SampledFastPathOpen() {
  return g_sampled && t_in_hook == 0 && t_slot != nullptr &&
         g_state.load(std::memory_order_relaxed) == int(State::kActive);
}

// A single writer's add: a plain read and write, no lock prefix (memwrap/ring.h).
template <class T>
inline void AddToOwnSlot(std::atomic<T>* counter, T amount) {
  counter->store(counter->load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}

inline bool CountUnsampledAllocation(void* block, size_t size) {
  if (!SampledFastPathOpen()) return false;
  t_in_hook = 1;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  HeapCounterSlot* slot = t_slot;
  const int64_t bytes_left = t_bytes_until_sample - int64_t(size);
  const uint64_t usable = UsableSizeOfNew(block, size);
  const int64_t unflushed = slot->unflushed.load(std::memory_order_relaxed) + int64_t(usable);
  const bool counted = bytes_left > 0 && unflushed < int64_t(kSampledFlushBytes);
  if (counted) {
    t_bytes_until_sample = bytes_left;
    AddToOwnSlot<uint64_t>(&slot->alloc_count, 1);
    AddToOwnSlot<uint64_t>(&slot->alloc_bytes, size);
    AddToOwnSlot<uint64_t>(&slot->alloc_usable_bytes, usable);
    slot->unflushed.store(unflushed, std::memory_order_relaxed);
  }
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_in_hook = 0;
  return counted;
}

inline bool CountUnsampledFree(void* block) {
  if (!SampledFastPathOpen()) return false;
  t_in_hook = 1;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  HeapCounterSlot* slot = t_slot;
  bool counted = false;
  if (g_bucket_counts[SampledBucketOf(block)].load(std::memory_order_relaxed) == 0) {
    const uint64_t usable = UsableSize(block);
    const int64_t unflushed = slot->unflushed.load(std::memory_order_relaxed) - int64_t(usable);
    if (unflushed > -int64_t(kSampledFlushBytes)) {
      AddToOwnSlot<uint64_t>(&slot->free_count, 1);
      AddToOwnSlot<uint64_t>(&slot->free_usable_bytes, usable);
      slot->unflushed.store(unflushed, std::memory_order_relaxed);
      counted = true;
    }
  }
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_in_hook = 0;
  return counted;
}

// realloc of a block that is not a sample into one that will not be: makes the real call
// (`reallocate`) and counts the old block's release and the new block's allocation, as
// RecordReallocBegin/End would, through the counters' out-of-line functions (a realloc
// moves more bytes than the flush threshold often enough). False, having called nothing,
// when the full path must run: tracing off, a nested call, the old block possibly a sample,
// or the new one due to be.
template <class Reallocate>
inline bool ReallocUnsampled(void* old_block, size_t size, Reallocate reallocate, void** result) {
  if (!SampledFastPathOpen()) return false;
  if (g_bucket_counts[SampledBucketOf(old_block)].load(std::memory_order_relaxed) != 0) {
    return false;
  }
  const int64_t bytes_left = t_bytes_until_sample - int64_t(size);
  if (bytes_left <= 0) return false;
  t_bytes_until_sample = bytes_left;
  // Before the call: the allocator may hand the old block's memory to another thread at once.
  const uint64_t old_usable = UsableSize(old_block);
  void* block = reallocate(old_block, size);
  *result = block;
  t_in_hook = 1;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  // realloc(p, 0) frees p and returns NULL; any other NULL is a failure that kept p.
  if (block != nullptr || size == 0) CountRelease(old_usable, /*by_realloc=*/true);
  if (block != nullptr) CountAllocation(size, UsableSizeOfNew(block, size));
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_in_hook = 0;
  return true;
}

}  // namespace memwrap::shim
