#include "allocation_stats.h"

namespace memwrap {

void AllocationStats::Allocated(ImageId image, uint32_t pid, uint32_t tid, uint64_t addr,
                                uint64_t size, StackId stack) {
  StackTotals& totals = by_stack_[{image, stack}];
  ++totals.allocations;
  totals.bytes_allocated += size;
  ThreadTotals& thread = by_thread_[{pid, tid}];
  ++thread.allocations;
  thread.bytes_allocated += size;
  last_by_thread_[uint64_t(image) << 32 | tid] = {addr, stack};
}

void AllocationStats::Observe(ImageId image, uint32_t pid, const RecordView& record) {
  if (image == 0) return;
  switch (record.type) {
    case RecordType::kAlloc:
      if (const auto* alloc = record.As<AllocRecord>()) {
        Allocated(image, pid, alloc->tid, alloc->addr, alloc->size, alloc->stack);
      }
      return;
    case RecordType::kReallocEnd:
      if (const auto* end = record.As<ReallocEndRecord>(); end != nullptr && end->new_addr != 0) {
        Allocated(image, pid, end->tid, end->new_addr, end->size, end->stack);
      }
      return;
    case RecordType::kFree:
      if (const auto* free = record.As<FreeRecord>()) {
        ++by_thread_[{pid, free->tid}].frees;
        auto last = last_by_thread_.find(uint64_t(image) << 32 | free->tid);
        if (last != last_by_thread_.end() && last->second.addr == free->addr) {
          ++temporary_;
          ++by_stack_[{image, last->second.stack}].temporary;
          last_by_thread_.erase(last);
        }
      }
      return;
    default:
      return;
  }
}

void AllocationStats::ImageEnded(ImageId image, const ImageHeap& heap) {
  for (const auto& [addr, block] : heap.live) {
    StackUsage& usage = leaked_[{image, block.stack}];
    usage.bytes += block.size;
    ++usage.blocks;
    leaked_bytes_ += block.size;
    ++leaked_blocks_;
  }
  for (auto it = last_by_thread_.begin(); it != last_by_thread_.end();) {
    it = (it->first >> 32) == image ? last_by_thread_.erase(it) : std::next(it);
  }
}

}  // namespace memwrap
