// Sampled mode's bookkeeping (--stacks=sampled): exact per-thread heap counters kept in the
// ring's counter area (memwrap/ring.h, HeapCounterArea), exact per-caller allocation counts in
// the thread's caller table beside it (ring.h, CallerTotalsEntry), and the set of sampled
// blocks that tells a free of a sampled block (recorded) from any other free (only counted).
//
// Unsampled calls touch only the calling thread's counter slot, its caller table (one hashed
// entry, rarely a few more) and its sampler state: no
// system call, no lock, no lock-prefixed instruction except when the thread's live-heap change
// passes the flush threshold.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <atomic>

#include "memwrap/records.h"
#include "memwrap/ring.h"
#include "preload/caller_table.h"
#include "preload/shim.h"
#include "preload/usable_size.h"

namespace memwrap::shim {

// --stacks=sampled: only sampled allocations and their frees are recorded.
extern bool g_sampled;
// Bytes left until this thread's next sample (0: not drawn yet; shim.cpp draws it).
extern __thread int64_t t_bytes_until_sample __attribute__((tls_model("initial-exec")));
// The calling thread's counter slot once it claimed one (never the shared overflow slot).
extern __thread HeapCounterSlot* t_slot __attribute__((tls_model("initial-exec")));
// That slot's caller table (memwrap/ring.h, CallerTotalsEntry): set and cleared with t_slot.
extern __thread CallerTotalsEntry* t_caller_table __attribute__((tls_model("initial-exec")));
// Sampled mode: the program's return address into the outermost interposed operator new that
// forwarded to an operator new which calls malloc (libstdc++'s), until the malloc hooks take
// it; 0 otherwise. The caller tables then count `new T` under the program's call instruction,
// as the report's sites do (they skip the allocator's operator), and not all under the one
// call to malloc inside libstdc++.
extern __thread uint64_t t_new_caller __attribute__((tls_model("initial-exec")));

// The key of an allocation in the caller tables: the forwarding operator new's caller if one is
// pending (it is taken: an allocation the operator makes after its block, if any, is its own),
// else the hook's caller.
inline uint64_t TakeCallerKey(uint64_t return_address) {
  const uint64_t pending = t_new_caller;
  if (pending == 0) return return_address;
  t_new_caller = 0;
  return pending;
}

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

// Where sampled mode's figures go besides the ring's counter area: the records a thread sends
// itself (each callback timestamps and publishes its record).
struct SampledHeapOutput {
  // The calling thread's id, cached (the shim's: no system call once a thread prepared for
  // seccomp).
  uint32_t (*tid)();
  // A thread's own figures when it leaves its slot.
  bool (*publish_thread_counters)(ThreadHeapCountersRecord*);
  // A caller's figures that leave its table (an eviction), or one call of a thread without a
  // table.
  bool (*publish_caller_totals)(CallerTotalsRecord*);
};

// Sets up the counter area and the caller tables (kHeapCounterSlots x kCallerTableEntries, in
// the ring: memwrap/ring.h) of a fresh ring and, the first time, the sampled-block set.
// False when the set cannot be mapped (the shim then runs untraced).
bool InitSampledHeap(HeapCounterArea* area, CallerTotalsEntry* caller_tables, uint64_t sample_bytes,
                     const SampledHeapOutput& output);

// After fork, in the child: the calling thread's slot belongs to the parent's ring, and the
// parent's sampled blocks are not this process's samples.
void ResetSampledHeapAfterFork();

// Counters. `usable`: the allocator's usable size of the block (malloc_usable_size);
// `caller`: the return address into the allocating function's caller (the caller table's key),
// unless it is runtime code: the call then counts under the first program frame of the stack
// at `context` (runtime_code.h), the frame the report names as the site.
void CountAllocation(uint64_t requested, uint64_t usable, uint64_t caller,
                     const CallerContext& context);
// `by_realloc`: the release of a realloc's old block (counted apart from free() calls too).
void CountRelease(uint64_t usable, bool by_realloc);

// The bytes a new block counts as: its usable size, at least its requested size; when the
// allocator cannot tell (0), the requested size, remembered until its release (unsized_blocks.h).
uint64_t CountedSizeOfNew(void* block, uint64_t requested);
// The bytes a block being released counts as: what it was counted as if it was remembered
// (and it is forgotten), else its usable size.
uint64_t CountedSizeOfOld(void* block);

// The sampled-block set. Track: false when the block's bucket is full (the sample is then
// dropped and counted as untracked, so that no free goes unmatched). Untrack: true when the
// block was a tracked sample (and removes it).
bool TrackSampledBlock(const void* block);
bool UntrackSampledBlock(const void* block);

// The fast path, inlined into the malloc and free hooks: an unsampled call on a thread that
// owns a counter slot, whose live-heap change stays under the flush threshold, adds to its
// slot (and an allocation to its caller's entry in the thread's caller table) and returns
// true, with no call out of the hook. Anything else (tracing off, a nested call, the thread's
// first call, a sample, a flush, a caller not yet in the thread's table, a sampled block's free)
// returns false
// having changed nothing, and the hook takes the full path (RecordAlloc, RecordFree), which
// does the same counting and more. The conditions are checked with the re-entrancy guard set,
// so that a signal handler's allocation cannot interleave with the counts.
__attribute__((always_inline)) inline bool SampledFastPathOpen() {
  return g_sampled && t_in_hook == 0 && t_slot != nullptr &&
         g_state.load(std::memory_order_relaxed) == int(State::kActive);
}

// The caller-table entry of the program frame above runtime code at `context`, when the
// thread's stack cache already knows that frame (stack_capture.h, CachedProgramFrame) and the
// frame holds an entry; nullptr otherwise (the full path then finds the frame). Out of line:
// only calls through runtime code (strdup, std::string) come here.
CallerTotalsEntry* HeldRuntimeCallerEntry(const CallerContext& context);

// `caller`: the caller table's key (the hook's caller, or a forwarded operator new's);
// `context`: the hook's caller, for a call through runtime code.
__attribute__((always_inline)) inline bool CountUnsampledAllocation(void* block, size_t size,
                                                                    uint64_t caller,
                                                                    const CallerContext& context) {
  if (!SampledFastPathOpen()) return false;
  t_in_hook = 1;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  HeapCounterSlot* slot = t_slot;
  const int64_t bytes_left = t_bytes_until_sample - int64_t(size);
  // 0: the allocator cannot tell yet; the full path remembers the block (CountedSizeOfNew).
  const uint64_t reported = UsableSize(block);
  const uint64_t usable = CountedUsableSize(reported, size);
  const int64_t unflushed = slot->unflushed.load(std::memory_order_relaxed) + int64_t(usable);
  CallerTotalsEntry* entry = HeldCallerEntry(t_caller_table, caller);
  if (entry == nullptr) entry = HeldRuntimeCallerEntry(context);
  const bool counted = bytes_left > 0 && unflushed < int64_t(kSampledFlushBytes) &&
                       entry != nullptr && reported != 0;
  if (counted) {
    t_bytes_until_sample = bytes_left;
    AddToHeldCallerEntry(entry, size);
    AddToOwnSlot<uint64_t>(&slot->alloc_count, 1);
    AddToOwnSlot<uint64_t>(&slot->alloc_bytes, size);
    AddToOwnSlot<uint64_t>(&slot->alloc_usable_bytes, usable);
    slot->unflushed.store(unflushed, std::memory_order_relaxed);
  }
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_in_hook = 0;
  return counted;
}

__attribute__((always_inline)) inline bool CountUnsampledFree(void* block) {
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
inline bool ReallocUnsampled(void* old_block, size_t size, const CallerContext& caller,
                             Reallocate reallocate, void** result) {
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
  if (block != nullptr) {
    CountAllocation(size, CountedSizeOfNew(block, size), caller.return_address, caller);
  }
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_in_hook = 0;
  return true;
}

}  // namespace memwrap::shim
