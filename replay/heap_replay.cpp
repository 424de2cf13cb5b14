#include "replay/heap_replay.h"

#include <string.h>

#include <cstddef>

namespace memwrap {

ImageHeap& HeapReplay::HeapOf(ImageId image) {
  if (image != cached_image_ || cached_heap_ == nullptr) {
    cached_heap_ = &images_[image];  // unordered_map keeps element addresses on rehash
    cached_heap_->id = image;
    cached_image_ = image;
  }
  return *cached_heap_;
}

void HeapReplay::Notify(const ImageHeap& heap, const LiveBlock& block, int sign) {
  if (observer_ != nullptr) observer_->Changed(heap.id, block, sign);
}

void HeapReplay::Insert(ImageHeap& heap, uint64_t addr, LiveBlock block) {
  LiveBlock replaced;
  if (heap.live.Put(addr, block, &replaced)) {
    ++heap.counters.replaced_live_blocks;
    heap.live_bytes -= replaced.size;
    live_bytes_ -= replaced.size;
    Notify(heap, replaced, -1);
  }
  heap.live_bytes += block.size;
  live_bytes_ += block.size;
  Notify(heap, block, +1);
}

bool HeapReplay::Remove(ImageHeap& heap, uint64_t addr, LiveBlock* removed) {
  if (!heap.live.Erase(addr, removed)) return false;
  heap.live_bytes -= removed->size;
  live_bytes_ -= removed->size;
  Notify(heap, *removed, -1);
  return true;
}

void HeapReplay::NotePeak(ImageHeap& heap, uint64_t ts_ns) {
  if (heap.live_bytes > heap.peak_bytes) {
    heap.peak_bytes = heap.live_bytes;
    heap.peak_ts_ns = ts_ns;
    image_peak_rose_ = true;
  }
}

bool HeapReplay::Apply(ImageId image, const RecordView& record) {
  image_peak_rose_ = false;
  if (image == 0) return false;
  switch (record.type) {
    case RecordType::kAlloc: {
      const auto* alloc = record.As<AllocRecord>();
      if (alloc == nullptr) return false;
      ImageHeap& heap = HeapOf(image);
      ++heap.counters.allocations;
      heap.counters.bytes_allocated += alloc->size;
      Insert(heap, alloc->addr, {alloc->size, alloc->stack, sites_->Intern(image, alloc->stack)});
      NotePeak(heap, alloc->ts_ns);
      return true;
    }
    case RecordType::kFree: {
      const auto* free = record.As<FreeRecord>();
      if (free == nullptr) return false;
      ImageHeap& heap = HeapOf(image);
      LiveBlock removed;
      if (!Remove(heap, free->addr, &removed)) {
        ++heap.counters.untracked_frees;
        return false;
      }
      ++heap.counters.frees;
      return true;
    }
    case RecordType::kReallocBegin: {
      const auto* begin = record.As<ReallocBeginRecord>();
      if (begin == nullptr) return false;
      ImageHeap& heap = HeapOf(image);
      LiveBlock removed;
      bool was_live = Remove(heap, begin->old_addr, &removed);
      // A realloc of an untracked block still parks a marker, so END knows BEGIN happened.
      heap.reallocating[begin->tid] = {true, begin->old_addr,
                                       was_live ? removed : LiveBlock{~0ull, 0}};
      return was_live;
    }
    case RecordType::kReallocEnd: {
      const auto* end = record.As<ReallocEndRecord>();
      if (end == nullptr) return false;
      ImageHeap& heap = HeapOf(image);
      LiveBlock old_block{~0ull, 0};
      auto parked = heap.reallocating.find(end->tid);
      if (parked != heap.reallocating.end() && parked->second.parked &&
          parked->second.old_addr == end->old_addr) {
        old_block = parked->second.block;
        parked->second.parked = false;
      } else {
        Remove(heap, end->old_addr, &old_block);  // BEGIN was not recorded
      }
      const bool old_was_live = old_block.size != ~0ull;
      if (end->new_addr != 0) {
        if (old_was_live) ++heap.counters.frees;
        ++heap.counters.allocations;
        heap.counters.bytes_allocated += end->size;
        Insert(heap, end->new_addr, {end->size, end->stack, sites_->Intern(image, end->stack)});
        NotePeak(heap, end->ts_ns);
      } else if (end->size == 0) {
        if (old_was_live) ++heap.counters.frees;  // realloc(p, 0) freed p
      } else if (old_was_live) {
        Insert(heap, end->old_addr, old_block);  // realloc failed: p is still live
      }
      if (!old_was_live && (end->new_addr != 0 || end->size == 0)) {
        ++heap.counters.untracked_frees;  // the old block was not one we saw allocated
      }
      return true;
    }
    default:
      return false;
  }
}

static_assert(offsetof(AllocRecord, addr) == 16 && offsetof(FreeRecord, addr) == 16 &&
              offsetof(ReallocBeginRecord, old_addr) == 16);

void HeapReplay::Prefetch(const RecordView& record) const {
  if (cached_heap_ == nullptr) return;
  uint64_t addr;
  switch (record.type) {
    case RecordType::kAlloc:
    case RecordType::kFree:
    case RecordType::kReallocBegin:
      // addr / addr / old_addr: all at offset 16, after the header and ts_ns
      if (record.size < 24) return;
      memcpy(&addr, record.data + 16, sizeof(addr));
      break;
    case RecordType::kReallocEnd:
      if (const auto* end = record.As<ReallocEndRecord>()) {
        addr = end->new_addr;
        break;
      }
      return;
    default:
      return;
  }
  cached_heap_->live.Prefetch(addr);
}

void HeapReplay::EndImage(ImageId image) {
  auto it = images_.find(image);
  if (it == images_.end()) return;
  live_bytes_ -= it->second.live_bytes;
  it->second.live_bytes = 0;
  if (observer_ != nullptr) {
    for (const auto& [addr, block] : it->second.live) observer_->Changed(image, block, -1);
  }
  it->second.live.clear();
}

HeapCounters HeapReplay::Totals() const {
  HeapCounters totals;
  for (const auto& [id, heap] : images_) {
    totals += heap.counters;
  }
  return totals;
}

}  // namespace memwrap
