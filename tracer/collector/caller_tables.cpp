#include "tracer/collector/caller_tables.h"

#include "memwrap/ring.h"

namespace memwrap {

std::vector<CallerTotalsRecord> ReadCallerTables(const void* mapping, uint64_t mapping_size,
                                                 uint64_t ts_ns) {
  std::vector<CallerTotalsRecord> records;
  if (mapping_size < kRingHeaderSize) return records;
  const auto* bytes = static_cast<const uint8_t*>(mapping);
  const auto* header = static_cast<const RingHeader*>(mapping);
  const auto* area = reinterpret_cast<const HeapCounterArea*>(bytes + kHeapCounterAreaOffset);
  if (area->active != 1 || header->caller_table_entries != kCallerTableEntries) return records;
  // Read once: the shim could change them between two reads.
  const uint64_t capacity = header->capacity;
  const uint32_t thread_rings = header->thread_ring_count;
  const uint64_t thread_ring_capacity = thread_rings != 0 ? header->thread_ring_capacity : 0;
  if (thread_rings > kMaxThreadRings || thread_ring_capacity > kMaxThreadRingCapacity ||
      !IsValidRingCapacity(capacity) ||
      RingMappingBytes(capacity, thread_rings, thread_ring_capacity, true) != mapping_size) {
    return records;
  }
  const auto* tables = reinterpret_cast<const CallerTotalsEntry*>(
      bytes + CallerTablesOffset(capacity, thread_rings, thread_ring_capacity));
  CallerTotalsRecord record{};
  record.h = {sizeof(record), uint16_t(RecordType::kCallerTotals), kCallerTotalsFromTable};
  record.ts_ns = ts_ns;
  for (uint64_t slot = 0; slot < kHeapCounterSlots; ++slot) {
    // A slot that never counted never touched its table: its pages stay unread (unallocated).
    if (area->slots[slot].alloc_count.load(std::memory_order_relaxed) == 0) continue;
    const CallerTotalsEntry* table = tables + slot * kCallerTableEntries;
    for (uint32_t i = 0; i < kCallerTableEntries; ++i) {
      record.address = table[i].address.load(std::memory_order_relaxed);
      record.calls = table[i].calls.load(std::memory_order_relaxed);
      record.bytes = table[i].bytes.load(std::memory_order_relaxed);
      if (record.address != 0 && record.calls != 0) records.push_back(record);
    }
  }
  return records;
}

}  // namespace memwrap
