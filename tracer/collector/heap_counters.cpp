#include "tracer/collector/heap_counters.h"

#include "memwrap/ring.h"

namespace memwrap {

bool ReadHeapCounters(const void* mapping, uint64_t mapping_size, uint64_t ts_ns, bool final,
                      HeapCountersRecord* out) {
  if (mapping_size < kRingHeaderSize) return false;
  const auto* area = reinterpret_cast<const HeapCounterArea*>(static_cast<const uint8_t*>(mapping) +
                                                              kHeapCounterAreaOffset);
  if (area->active != 1) return false;
  *out = HeapCountersRecord{};
  out->h = {sizeof(*out), uint16_t(RecordType::kHeapCounters),
            uint16_t(final ? kHeapCountersFinal : 0)};
  out->ts_ns = ts_ns;
  auto add = [&](const HeapCounterSlot& slot) {
    out->alloc_count += slot.alloc_count.load(std::memory_order_relaxed);
    out->alloc_bytes += slot.alloc_bytes.load(std::memory_order_relaxed);
    out->alloc_usable_bytes += slot.alloc_usable_bytes.load(std::memory_order_relaxed);
    out->free_count += slot.free_count.load(std::memory_order_relaxed);
    out->free_usable_bytes += slot.free_usable_bytes.load(std::memory_order_relaxed);
  };
  add(area->overflow);
  for (uint64_t i = 0; i < kHeapCounterSlots; ++i) add(area->slots[i]);
  const uint32_t flush = area->flush_bytes;
  uint32_t threads = area->max_threads.load(std::memory_order_relaxed);
  if (threads > kHeapCounterSlots) threads = uint32_t(kHeapCounterSlots);
  const int64_t peak = area->peak_bytes.load(std::memory_order_relaxed);
  // The live heap summed from the counters: exact once the image ended, and a candidate for
  // the peak (the shared total may not have seen the last threads' pending changes).
  const uint64_t live = out->alloc_usable_bytes >= out->free_usable_bytes
                            ? out->alloc_usable_bytes - out->free_usable_bytes
                            : 0;
  out->peak_usable_bytes = peak > 0 ? uint64_t(peak) : 0;
  if (live > out->peak_usable_bytes) out->peak_usable_bytes = live;
  out->flush_bytes = flush;
  out->threads = threads;
  out->peak_bound_bytes = uint64_t(threads) * flush;
  out->sample_bytes = area->sample_bytes;
  out->samples_untracked = area->samples_untracked.load(std::memory_order_relaxed);
  return true;
}

namespace {

ThreadHeapCountersRecord SlotTotal(const HeapCounterSlot& slot, uint32_t tid, uint32_t index,
                                   uint64_t ts_ns) {
  ThreadHeapCountersRecord record{};
  record.h = {sizeof(record), uint16_t(RecordType::kThreadHeapCounters),
              kThreadHeapCountersSlotTotal};
  record.ts_ns = ts_ns;
  record.tid = tid;
  record.slot = index;
  record.alloc_count = slot.alloc_count.load(std::memory_order_relaxed);
  record.alloc_bytes = slot.alloc_bytes.load(std::memory_order_relaxed);
  record.alloc_usable_bytes = slot.alloc_usable_bytes.load(std::memory_order_relaxed);
  record.free_count = slot.free_count.load(std::memory_order_relaxed);
  record.free_usable_bytes = slot.free_usable_bytes.load(std::memory_order_relaxed);
  record.realloc_releases = slot.realloc_releases.load(std::memory_order_relaxed);
  return record;
}

}  // namespace

std::vector<ThreadHeapCountersRecord> ReadClaimedSlots(const void* mapping, uint64_t mapping_size,
                                                       uint64_t ts_ns) {
  std::vector<ThreadHeapCountersRecord> records;
  if (mapping_size < kRingHeaderSize) return records;
  const auto* area = reinterpret_cast<const HeapCounterArea*>(static_cast<const uint8_t*>(mapping) +
                                                              kHeapCounterAreaOffset);
  if (area->active != 1) return records;
  for (uint64_t i = 0; i < kHeapCounterSlots; ++i) {
    const uint32_t owner = area->slots[i].owner.load(std::memory_order_relaxed);
    if (owner != 0) records.push_back(SlotTotal(area->slots[i], owner, uint32_t(i), ts_ns));
  }
  if (area->overflow.alloc_count.load(std::memory_order_relaxed) != 0 ||
      area->overflow.free_count.load(std::memory_order_relaxed) != 0) {
    records.push_back(SlotTotal(area->overflow, 0, kOverflowCounterSlot, ts_ns));
  }
  return records;
}

}  // namespace memwrap
