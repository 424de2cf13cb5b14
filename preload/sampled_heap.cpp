#include "preload/sampled_heap.h"

#include <pthread.h>
#include <string.h>

#include "preload/runtime_code.h"
#include "preload/shim_memory.h"
#include "preload/stack_capture.h"
#include "preload/unsized_blocks.h"

namespace memwrap::shim {

bool g_sampled = false;
__thread int64_t t_bytes_until_sample __attribute__((tls_model("initial-exec")));
__thread HeapCounterSlot* t_slot __attribute__((tls_model("initial-exec")));
__thread CallerTotalsEntry* t_caller_table __attribute__((tls_model("initial-exec")));
__thread uint64_t t_new_caller __attribute__((tls_model("initial-exec")));
std::atomic<uint8_t>* g_bucket_counts = nullptr;

namespace {

HeapCounterArea* g_area = nullptr;
CallerTotalsEntry* g_caller_tables = nullptr;
SampledHeapOutput g_output{};
// The slot's sums when this thread claimed it: its own figures are the sums less these.
struct SlotBaseline {
  uint64_t alloc_count, alloc_bytes, alloc_usable_bytes, free_count, free_usable_bytes,
      realloc_releases;
};
__thread SlotBaseline t_baseline __attribute__((tls_model("initial-exec")));

// Sampled blocks are rare (one per sample_bytes allocated on average), so a fixed set of
// buckets of one cache line each holds them with room to spare: a free reads one line.
// Entries go 0 -> address (compare-exchange) and back; no tombstones, so a bucket never
// fills with the dead. An address cannot be in the set twice: it is tracked after the
// allocator returned it and untracked before the allocator takes it back.
constexpr uint32_t kBucketEntries = 8;
constexpr size_t kBuckets = size_t(1) << kSampledBucketBits;
constexpr size_t kSetBytes = kBuckets * kBucketEntries * sizeof(uint64_t);
std::atomic<uint64_t>* g_set = nullptr;
// g_bucket_counts (sampled_heap.h) is mapped right after the set.
constexpr size_t kSetAndCountsBytes = kSetBytes + kBuckets;

pthread_key_t g_exit_key;

void RaiseTo(std::atomic<int64_t>* maximum, int64_t value) {
  int64_t seen = maximum->load(std::memory_order_relaxed);
  while (value > seen && !maximum->compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

void FlushLive(int64_t change) {
  const int64_t live = g_area->live_bytes.fetch_add(change, std::memory_order_relaxed) + change;
  RaiseTo(&g_area->peak_bytes, live);
}

uint64_t Sum(const std::atomic<uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

// The thread leaves its slot: its own figures go into the trace (records.h,
// ThreadHeapCountersRecord), before the slot is free for the next thread.
void ReportOwnCounts(HeapCounterSlot* slot) {
  ThreadHeapCountersRecord record{};
  record.h = {sizeof(record), uint16_t(RecordType::kThreadHeapCounters), 0};
  record.tid = slot->owner.load(std::memory_order_relaxed);
  record.slot = uint32_t(slot - g_area->slots);
  record.alloc_count = Sum(slot->alloc_count) - t_baseline.alloc_count;
  record.alloc_bytes = Sum(slot->alloc_bytes) - t_baseline.alloc_bytes;
  record.alloc_usable_bytes = Sum(slot->alloc_usable_bytes) - t_baseline.alloc_usable_bytes;
  record.free_count = Sum(slot->free_count) - t_baseline.free_count;
  record.free_usable_bytes = Sum(slot->free_usable_bytes) - t_baseline.free_usable_bytes;
  record.realloc_releases = Sum(slot->realloc_releases) - t_baseline.realloc_releases;
  g_output.publish_thread_counters(&record);
}

// The thread is exiting (its key destructor): its pending change goes to the total and its
// slot to the next thread.
void ReleaseSlot(void* slot_pointer) {
  auto* slot = static_cast<HeapCounterSlot*>(slot_pointer);
  if (slot == nullptr || slot != t_slot || g_area == nullptr) return;
  const int64_t pending = slot->unflushed.exchange(0, std::memory_order_relaxed);
  if (pending != 0) FlushLive(pending);
  ReportOwnCounts(slot);
  t_slot = nullptr;
  t_caller_table = nullptr;
  g_area->threads.fetch_sub(1, std::memory_order_relaxed);
  slot->owner.store(0, std::memory_order_release);
}

// The calling thread's slot, claimed at its first call; the shared overflow slot when all
// are taken.
HeapCounterSlot* Slot() {
  if (t_slot != nullptr) return t_slot;
  const uint32_t tid = g_output.tid();
  for (uint64_t i = 0; i < kHeapCounterSlots; ++i) {
    HeapCounterSlot* slot = &g_area->slots[i];
    uint32_t free_owner = 0;
    if (slot->owner.load(std::memory_order_relaxed) != 0 ||
        !slot->owner.compare_exchange_strong(free_owner, tid, std::memory_order_acquire)) {
      continue;
    }
    const uint32_t now = g_area->threads.fetch_add(1, std::memory_order_relaxed) + 1;
    uint32_t most = g_area->max_threads.load(std::memory_order_relaxed);
    while (now > most && !g_area->max_threads.compare_exchange_weak(most, now)) {
    }
    t_baseline = {Sum(slot->alloc_count),        Sum(slot->alloc_bytes),
                  Sum(slot->alloc_usable_bytes), Sum(slot->free_count),
                  Sum(slot->free_usable_bytes),  Sum(slot->realloc_releases)};
    t_slot = slot;
    t_caller_table = g_caller_tables + i * kCallerTableEntries;
    pthread_setspecific(g_exit_key, slot);
    return slot;
  }
  return &g_area->overflow;
}

void Add(std::atomic<uint64_t>* counter, uint64_t amount, bool shared) {
  if (shared) {
    counter->fetch_add(amount, std::memory_order_relaxed);
  } else {
    AddToOwnSlot(counter, amount);
  }
}

void ChangeLive(HeapCounterSlot* slot, int64_t change, bool shared) {
  if (shared) {
    FlushLive(change);
    return;
  }
  const int64_t pending = slot->unflushed.load(std::memory_order_relaxed) + change;
  if (pending < int64_t(kSampledFlushBytes) && pending > -int64_t(kSampledFlushBytes)) {
    slot->unflushed.store(pending, std::memory_order_relaxed);
    return;
  }
  slot->unflushed.store(0, std::memory_order_relaxed);
  FlushLive(pending);
}

void PublishCallerTotals(uint64_t caller, uint64_t calls, uint64_t bytes) {
  CallerTotalsRecord record{};
  record.h = {sizeof(record), uint16_t(RecordType::kCallerTotals), 0};
  record.address = caller;
  record.calls = calls;
  record.bytes = bytes;
  g_output.publish_caller_totals(&record);
}

// The full path's count of one call from `caller`: into the thread's table, after evicting an
// entry (caller_table.h) if the caller found no room; a thread without a table (the overflow
// slot's) sends the call itself.
void CountCaller(CallerTotalsEntry* table, uint64_t caller, uint64_t bytes) {
  if (table == nullptr) {
    PublishCallerTotals(caller, 1, bytes);
    return;
  }
  CallerTotalsEntry* entry = FindCallerEntry(table, caller);
  if (entry == nullptr) {
    entry = EvictionVictim(table, caller);
    // Sent before the entry is reused: its figures are in the ring or in the table, always.
    PublishCallerTotals(entry->address.load(std::memory_order_relaxed),
                        entry->calls.load(std::memory_order_relaxed),
                        entry->bytes.load(std::memory_order_relaxed));
    ClearCallerEntry(entry);
  }
  AddToCallerEntry(entry, caller, bytes);
}

// Runtime code allocating on the program's behalf counts under the program frame above it;
// under its own address when the unwind finds none (the report then places it by samples).
uint64_t SiteCaller(uint64_t caller, const CallerContext& context) {
  if (!IsRuntimeCode(caller)) return caller;
  const uint64_t program = FirstProgramFrame(context);
  return program != 0 ? program : caller;
}

}  // namespace

bool InitSampledHeap(HeapCounterArea* area, CallerTotalsEntry* caller_tables, uint64_t sample_bytes,
                     const SampledHeapOutput& output) {
  g_output = output;
  if (g_set == nullptr) {
    void* mapped = MapShimMemory(kSetAndCountsBytes);
    if (mapped == nullptr) return false;
    g_set = static_cast<std::atomic<uint64_t>*>(mapped);
    g_bucket_counts =
        reinterpret_cast<std::atomic<uint8_t>*>(static_cast<uint8_t*>(mapped) + kSetBytes);
    if (pthread_key_create(&g_exit_key, ReleaseSlot) != 0) return false;
  }
  DetectGlibcChunkHeaders();
  area->active = 1;
  area->flush_bytes = kSampledFlushBytes;
  area->sample_bytes = sample_bytes;
  g_area = area;
  g_caller_tables = caller_tables;
  return true;
}

void ResetSampledHeapAfterFork() {
  t_slot = nullptr;
  t_caller_table = nullptr;
  if (g_set != nullptr) memset(static_cast<void*>(g_set), 0, kSetAndCountsBytes);
  ForgetAllUnsizedBlocks();
}

uint64_t CountedSizeOfNew(void* block, uint64_t requested) {
  const uint64_t reported = UsableSize(block);
  if (reported != 0) return CountedUsableSize(reported, requested);
  // Its release must come to the full path, which finds it (CountedSizeOfOld).
  if (RememberUnsizedBlock(block, requested)) {
    g_bucket_counts[SampledBucketOf(block)].fetch_add(1, std::memory_order_relaxed);
  }
  return requested;
}

uint64_t CountedSizeOfOld(void* block) {
  const size_t bucket = SampledBucketOf(block);
  uint64_t counted = 0;
  if (g_bucket_counts[bucket].load(std::memory_order_relaxed) != 0 &&
      ForgetUnsizedBlock(block, &counted)) {
    g_bucket_counts[bucket].fetch_sub(1, std::memory_order_relaxed);
    return counted;
  }
  return UsableSize(block);
}

void CountAllocation(uint64_t requested, uint64_t usable, uint64_t caller,
                     const CallerContext& context) {
  HeapCounterSlot* slot = Slot();
  const bool shared = slot == &g_area->overflow;
  CountCaller(shared ? nullptr : t_caller_table, SiteCaller(caller, context), requested);
  Add(&slot->alloc_count, 1, shared);
  Add(&slot->alloc_bytes, requested, shared);
  Add(&slot->alloc_usable_bytes, usable, shared);
  ChangeLive(slot, int64_t(usable), shared);
}

void CountRelease(uint64_t usable, bool by_realloc) {
  HeapCounterSlot* slot = Slot();
  const bool shared = slot == &g_area->overflow;
  Add(&slot->free_count, 1, shared);
  if (by_realloc) Add(&slot->realloc_releases, 1, shared);
  Add(&slot->free_usable_bytes, usable, shared);
  ChangeLive(slot, -int64_t(usable), shared);
}

CallerTotalsEntry* HeldRuntimeCallerEntry(const CallerContext& context) {
  const uint64_t program = CachedProgramFrame(context);
  return program != 0 ? HeldCallerEntry(t_caller_table, program) : nullptr;
}

bool TrackSampledBlock(const void* block) {
  const size_t index = SampledBucketOf(block);
  std::atomic<uint64_t>* bucket = g_set + index * kBucketEntries;
  const uint64_t address = uint64_t(reinterpret_cast<uintptr_t>(block));
  g_bucket_counts[index].fetch_add(1, std::memory_order_relaxed);
  for (uint32_t i = 0; i < kBucketEntries; ++i) {
    uint64_t empty = 0;
    if (bucket[i].load(std::memory_order_relaxed) == 0 &&
        bucket[i].compare_exchange_strong(empty, address, std::memory_order_relaxed)) {
      return true;
    }
  }
  g_bucket_counts[index].fetch_sub(1, std::memory_order_relaxed);
  g_area->samples_untracked.fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool UntrackSampledBlock(const void* block) {
  const size_t index = SampledBucketOf(block);
  if (g_bucket_counts[index].load(std::memory_order_relaxed) == 0) return false;
  std::atomic<uint64_t>* bucket = g_set + index * kBucketEntries;
  const uint64_t address = uint64_t(reinterpret_cast<uintptr_t>(block));
  for (uint32_t i = 0; i < kBucketEntries; ++i) {
    uint64_t expected = address;
    if (bucket[i].load(std::memory_order_relaxed) == address &&
        bucket[i].compare_exchange_strong(expected, 0, std::memory_order_relaxed)) {
      g_bucket_counts[index].fetch_sub(1, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

}  // namespace memwrap::shim
