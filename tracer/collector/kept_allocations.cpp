#include "tracer/collector/kept_allocations.h"

#include <string.h>

#include "tracefile/record_cursor.h"

namespace memwrap {
namespace {

// The STACK a record names (ALLOC, REALLOC_END, MMAP, MREMAP_END, BRK), kNoStack for others.
StackId StackNamedBy(const RecordView& record) {
  switch (record.type) {
    case RecordType::kAlloc:
      if (AllocRecord r; record.Copy(&r)) return r.stack;
      break;
    case RecordType::kReallocEnd:
      if (ReallocEndRecord r; record.Copy(&r)) return r.stack;
      break;
    case RecordType::kMmap:
      if (MmapRecord r; record.Copy(&r)) return r.stack;
      break;
    case RecordType::kMremapEnd:
      if (MremapEndRecord r; record.Copy(&r)) return r.stack;
      break;
    case RecordType::kBrk:
      if (BrkRecord r; record.Copy(&r)) return r.stack;
      break;
    default:
      break;
  }
  return kNoStack;
}

}  // namespace

void KeptAllocations::Filter(uint32_t image_id, uint32_t pid, const uint8_t* records, size_t size,
                             ByteBuffer* out, size_t flush_bytes,
                             const std::function<void()>& flush) {
  // The judges' verdicts, one per record (allocation_judge.h).
  RecordCursor count(records, size);
  size_t n = 0;
  for (RecordView view; count.TryNext(&view);) ++n;
  verdicts_.assign(n, 1);
  for (AllocationJudge* judge : judges_) judge->Judge(pid, records, size, &verdicts_);

  Image& image = images_[image_id];
  RecordCursor cursor(records, size);
  size_t index = 0;
  for (RecordView view; cursor.TryNext(&view); ++index) {
    RecordHeader header;
    memcpy(&header, view.data, sizeof(header));
    Apply(image_id, image, view.data, header, verdicts_[index] != 0, out);
    if (out->size() >= flush_bytes) flush();
  }
}

void KeptAllocations::NotePeak(uint64_t ts_ns) {
  if (replay_.live_bytes() > all_images_peak_bytes_) {
    all_images_peak_bytes_ = replay_.live_bytes();
    all_images_peak_ts_ns_ = ts_ns;
  }
}

void KeptAllocations::Emit(Image& image, const uint8_t* record, uint32_t size, StackId stack,
                           ByteBuffer* out) {
  if (stack != kNoStack) {
    auto it = image.unwritten_stacks.find(stack);
    if (it != image.unwritten_stacks.end()) {
      out->insert(out->end(), it->second.begin(), it->second.end());
      image.unwritten_stacks.erase(it);
    }
  }
  out->insert(out->end(), record, record + size);
}

void KeptAllocations::Apply(uint32_t image_id, Image& image, const uint8_t* record,
                            const RecordHeader& header, bool judged_keep, ByteBuffer* out) {
  const RecordView view{RecordType(header.type), header.flags, record, header.size};
  switch (view.type) {
    case RecordType::kStack: {
      StackRecord stack;
      if (view.Copy(&stack)) {
        image.unwritten_stacks[stack.id].assign(record, record + header.size);
      }
      return;
    }
    case RecordType::kAlloc: {
      AllocRecord alloc;
      if (!view.Copy(&alloc)) return;
      ++seen_;
      replay_.Apply(image_id, view);
      NotePeak(alloc.ts_ns);
      if (judged_keep || image.kept_blocks.count(alloc.addr) != 0) {
        ++kept_;
        image.kept_blocks.insert(alloc.addr);
        Emit(image, record, header.size, alloc.stack, out);
      }
      return;
    }
    case RecordType::kFree: {
      FreeRecord free;
      if (!view.Copy(&free)) return;
      replay_.Apply(image_id, view);
      if (image.kept_blocks.erase(free.addr) != 0) Emit(image, record, header.size, kNoStack, out);
      return;
    }
    case RecordType::kReallocBegin: {
      ReallocBeginRecord begin;
      if (!view.Copy(&begin)) return;
      replay_.Apply(image_id, view);
      const bool old_kept = image.kept_blocks.erase(begin.old_addr) != 0;
      image.reallocs[begin.tid] = {old_kept, begin.old_addr};
      if (old_kept) Emit(image, record, header.size, kNoStack, out);
      return;
    }
    case RecordType::kReallocEnd:
      ApplyReallocEnd(image_id, image, record, header, judged_keep, out);
      return;
    default:
      Emit(image, record, header.size, StackNamedBy(view), out);
      return;
  }
}

void KeptAllocations::ApplyReallocEnd(uint32_t image_id, Image& image, const uint8_t* record,
                                      const RecordHeader& header, bool judged_keep,
                                      ByteBuffer* out) {
  const RecordView view{RecordType(header.type), header.flags, record, header.size};
  ReallocEndRecord end;
  if (!view.Copy(&end)) return;
  replay_.Apply(image_id, view);
  NotePeak(end.ts_ns);
  // Whether the old block was a kept one: its BEGIN said so, or (no BEGIN recorded) it is
  // still among the kept blocks.
  bool old_kept = false;
  auto begin = image.reallocs.find(end.tid);
  if (begin != image.reallocs.end() && begin->second.old_addr == end.old_addr) {
    old_kept = begin->second.old_kept;
    image.reallocs.erase(begin);
  } else {
    old_kept = image.kept_blocks.erase(end.old_addr) != 0;
  }
  if (end.new_addr == 0) {
    // Failed (the old block is still live) or size 0 (it was freed): as it came, if it was kept.
    if (!old_kept) return;
    if (end.size != 0) image.kept_blocks.insert(end.old_addr);
    Emit(image, record, header.size, kNoStack, out);
    return;
  }
  ++seen_;
  const bool new_kept = judged_keep || image.kept_blocks.count(end.new_addr) != 0;
  if (new_kept) {
    ++kept_;
    image.kept_blocks.insert(end.new_addr);
  }
  if (old_kept && new_kept) {
    Emit(image, record, header.size, end.stack, out);
  } else if (old_kept) {
    ReallocEndRecord freed = end;  // the old block leaves; the new one is not kept
    freed.h.size = sizeof(freed);
    freed.new_addr = 0;
    freed.size = 0;
    freed.stack = kNoStack;
    AppendRecord(out, freed);
  } else if (new_kept) {
    AllocRecord alloc{};
    alloc.h = {sizeof(alloc), uint16_t(RecordType::kAlloc), uint16_t(end.h.flags & kAllocKindMask)};
    alloc.ts_ns = end.ts_ns;
    alloc.addr = end.new_addr;
    alloc.size = end.size;
    alloc.tid = end.tid;
    alloc.stack = end.stack;
    Emit(image, reinterpret_cast<const uint8_t*>(&alloc), sizeof(alloc), end.stack, out);
  }
}

HeapCountersRecord KeptAllocations::Counters(uint32_t image_id, uint64_t ts_ns, bool final) {
  HeapCountersRecord counters{};
  counters.h = {sizeof(counters), uint16_t(RecordType::kHeapCounters),
                uint16_t(kHeapCountersCounted | (final ? kHeapCountersFinal : 0))};
  counters.ts_ns = ts_ns;
  counters.all_images_peak_bytes = all_images_peak_bytes_;
  counters.all_images_peak_ts_ns = all_images_peak_ts_ns_;
  auto it = replay_.images().find(image_id);
  if (it == replay_.images().end()) return counters;
  const ImageHeap& heap = it->second;
  counters.alloc_count = heap.counters.allocations;
  counters.alloc_bytes = heap.counters.bytes_allocated;
  counters.alloc_usable_bytes = heap.counters.bytes_allocated;
  // Bytes that left the live heap (freed, or replaced by a missed free): what was allocated
  // and is not live, so that allocated - freed is the live heap, as readers compute it.
  counters.free_usable_bytes = heap.counters.bytes_allocated - heap.live_bytes;
  counters.free_count = heap.counters.frees;
  counters.peak_usable_bytes = heap.peak_bytes;
  counters.peak_ts_ns = heap.peak_ts_ns;
  counters.untracked_frees = heap.counters.untracked_frees;
  counters.replaced_live_blocks = heap.counters.replaced_live_blocks;
  return counters;
}

void KeptAllocations::EndImage(uint32_t image_id, uint32_t pid) {
  replay_.EndImage(image_id);
  images_.erase(image_id);
  for (AllocationJudge* judge : judges_) judge->ImageEnded(pid);
}

}  // namespace memwrap
