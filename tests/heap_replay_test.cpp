// Heap replay semantics on hand-made records: allocation and free counting, realloc in all its
// outcomes, frees of blocks that were never seen.
#include "replay/heap_replay.h"

#include <gtest/gtest.h>

namespace memwrap {
namespace {

template <class T>
RecordView View(const T& record) {
  RecordView view;
  view.type = static_cast<RecordType>(record.h.type);
  view.flags = record.h.flags;
  view.data = reinterpret_cast<const uint8_t*>(&record);
  view.size = record.h.size;
  return view;
}

AllocRecord Alloc(uint64_t addr, uint64_t size, StackId stack = 1) {
  AllocRecord r{};
  r.h = {sizeof(r), uint16_t(RecordType::kAlloc), 0};
  r.addr = addr;
  r.size = size;
  r.stack = stack;
  r.tid = 1;
  return r;
}
FreeRecord Free(uint64_t addr) {
  FreeRecord r{};
  r.h = {sizeof(r), uint16_t(RecordType::kFree), 0};
  r.addr = addr;
  r.tid = 1;
  return r;
}
ReallocBeginRecord Begin(uint64_t old_addr, uint32_t tid = 1) {
  ReallocBeginRecord r{};
  r.h = {sizeof(r), uint16_t(RecordType::kReallocBegin), 0};
  r.old_addr = old_addr;
  r.tid = tid;
  return r;
}
ReallocEndRecord End(uint64_t old_addr, uint64_t new_addr, uint64_t size, uint32_t tid = 1) {
  ReallocEndRecord r{};
  r.h = {sizeof(r), uint16_t(RecordType::kReallocEnd), 2};
  r.old_addr = old_addr;
  r.new_addr = new_addr;
  r.size = size;
  r.tid = tid;
  r.stack = 2;
  return r;
}

TEST(HeapReplay, CountsAllocationsFreesAndLiveBytes) {
  HeapReplay heap;
  heap.Apply(1, View(Alloc(0x10, 100)));
  heap.Apply(1, View(Alloc(0x20, 50)));
  EXPECT_EQ(heap.live_bytes(), 150u);
  heap.Apply(1, View(Free(0x10)));
  EXPECT_EQ(heap.live_bytes(), 50u);
  HeapCounters totals = heap.Totals();
  EXPECT_EQ(totals.allocations, 2u);
  EXPECT_EQ(totals.frees, 1u);
  EXPECT_EQ(totals.bytes_allocated, 150u);
  EXPECT_EQ(heap.images().at(1).peak_bytes, 150u);
}

TEST(HeapReplay, ReallocThatMovesReplacesTheBlock) {
  HeapReplay heap;
  heap.Apply(1, View(Alloc(0x10, 100)));
  heap.Apply(1, View(Begin(0x10)));
  EXPECT_EQ(heap.live_bytes(), 0u) << "the old block leaves the live set before the call";
  heap.Apply(1, View(End(0x10, 0x80, 300)));
  EXPECT_EQ(heap.live_bytes(), 300u);
  EXPECT_EQ(heap.images().at(1).live.at(0x80).stack, 2u);
  HeapCounters totals = heap.Totals();
  EXPECT_EQ(totals.allocations, 2u);
  EXPECT_EQ(totals.frees, 1u);
  EXPECT_EQ(totals.bytes_allocated, 400u);
}

TEST(HeapReplay, FailedReallocKeepsTheOldBlock) {
  HeapReplay heap;
  heap.Apply(1, View(Alloc(0x10, 100)));
  heap.Apply(1, View(Begin(0x10)));
  heap.Apply(1, View(End(0x10, 0, 1ull << 40)));
  EXPECT_EQ(heap.live_bytes(), 100u);
  EXPECT_EQ(heap.images().at(1).live.at(0x10).stack, 1u) << "the old block keeps its stack";
  EXPECT_EQ(heap.Totals().frees, 0u);
  EXPECT_EQ(heap.Totals().untracked_frees, 0u);
}

TEST(HeapReplay, ReallocToZeroFrees) {
  HeapReplay heap;
  heap.Apply(1, View(Alloc(0x10, 100)));
  heap.Apply(1, View(Begin(0x10)));
  heap.Apply(1, View(End(0x10, 0, 0)));
  EXPECT_EQ(heap.live_bytes(), 0u);
  EXPECT_EQ(heap.Totals().frees, 1u);
}

TEST(HeapReplay, InterleavedReallocsOfTwoThreadsPairByThread) {
  HeapReplay heap;
  heap.Apply(1, View(Alloc(0x10, 10)));
  heap.Apply(1, View(Alloc(0x20, 20)));
  heap.Apply(1, View(Begin(0x10, 1)));
  heap.Apply(1, View(Begin(0x20, 2)));
  heap.Apply(1, View(End(0x20, 0, 99, 2)));  // thread 2's realloc failed
  heap.Apply(1, View(End(0x10, 0x30, 15, 1)));
  EXPECT_EQ(heap.live_bytes(), 35u);
  EXPECT_EQ(heap.images().at(1).live.count(0x20), 1u);
  EXPECT_EQ(heap.images().at(1).live.count(0x30), 1u);
}

TEST(HeapReplay, FreeOfAnUnknownBlockIsCountedNotApplied) {
  HeapReplay heap;
  heap.Apply(1, View(Alloc(0x10, 100)));
  EXPECT_FALSE(heap.Apply(1, View(Free(0x999))));
  EXPECT_EQ(heap.live_bytes(), 100u);
  EXPECT_EQ(heap.Totals().untracked_frees, 1u);
  EXPECT_EQ(heap.Totals().frees, 0u);
}

TEST(HeapReplay, ImagesAreSeparateAndAnEndedImageLeavesTheTotal) {
  HeapReplay heap;
  heap.Apply(1, View(Alloc(0x10, 100)));
  heap.Apply(2, View(Alloc(0x10, 7)));  // same address, another process
  EXPECT_EQ(heap.live_bytes(), 107u);
  heap.EndImage(1);
  EXPECT_EQ(heap.live_bytes(), 7u);
}

}  // namespace
}  // namespace memwrap
