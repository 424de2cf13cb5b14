// The collector stage of --keep-stacks-if (tracer/collector/kept_allocations.h) on hand-built
// record streams whose every outcome is known: which records come out, in which form, and the exact
// counters of every event, for each way a realloc can cross the line between kept and dropped.
#include <gtest/gtest.h>
#include <string.h>

#include <vector>

#include "memwrap/records.h"
#include "tracefile/record_cursor.h"
#include "tracer/collector/kept_allocations.h"

namespace memwrap {
namespace {

// Keeps the allocations of `threshold` bytes and more (ALLOC and REALLOC_END).
class SizeJudge : public AllocationJudge {
 public:
  explicit SizeJudge(uint64_t threshold) : threshold_(threshold) {}
  void Judge(uint32_t, const uint8_t* records, size_t size, std::vector<uint8_t>* keep) override {
    RecordCursor cursor(records, size);
    size_t i = 0;
    for (RecordView view; cursor.TryNext(&view); ++i) {
      if (AllocRecord alloc; view.type == RecordType::kAlloc && view.Copy(&alloc)) {
        (*keep)[i] = alloc.size >= threshold_;
      } else if (ReallocEndRecord end; view.type == RecordType::kReallocEnd && view.Copy(&end)) {
        (*keep)[i] = end.size >= threshold_;
      }
    }
  }

 private:
  uint64_t threshold_;
};

class Stream {
 public:
  template <class T>
  Stream& Add(T record) {
    const auto* p = reinterpret_cast<const uint8_t*>(&record);
    bytes_.insert(bytes_.end(), p, p + sizeof(record));
    return *this;
  }
  Stream& Stack(StackId id) {
    StackRecord stack{};
    stack.h = {sizeof(stack) + 8, uint16_t(RecordType::kStack), 0};
    stack.id = id;
    stack.depth = 1;
    Add(stack);
    uint64_t frame = 0x1000 + id;
    return Add(frame);
  }
  Stream& Alloc(uint64_t ts, uint64_t addr, uint64_t size, StackId stack = 0) {
    return Add(AllocRecord{
        {sizeof(AllocRecord), uint16_t(RecordType::kAlloc), 0}, ts, addr, size, 1, stack});
  }
  Stream& Free(uint64_t ts, uint64_t addr) {
    return Add(FreeRecord{{sizeof(FreeRecord), uint16_t(RecordType::kFree), 0}, ts, addr, 1, 0});
  }
  Stream& Begin(uint64_t ts, uint64_t addr) {
    return Add(ReallocBeginRecord{
        {sizeof(ReallocBeginRecord), uint16_t(RecordType::kReallocBegin), 0}, ts, addr, 1, 0});
  }
  Stream& End(uint64_t ts, uint64_t old_addr, uint64_t new_addr, uint64_t size, StackId stack = 0) {
    return Add(ReallocEndRecord{{sizeof(ReallocEndRecord), uint16_t(RecordType::kReallocEnd),
                                 uint16_t(AllocKind::kRealloc)},
                                ts,
                                old_addr,
                                new_addr,
                                size,
                                1,
                                stack});
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// "ALLOC 0x20 100 s7" and the like, one per record that came out.
std::vector<std::string> Describe(const ByteBuffer& out) {
  std::vector<std::string> lines;
  RecordCursor cursor(out.data(), out.size());
  char line[128];
  for (RecordView view; cursor.TryNext(&view);) {
    if (AllocRecord r; view.type == RecordType::kAlloc && view.Copy(&r)) {
      snprintf(line, sizeof(line), "ALLOC %#llx %llu s%u%s", (unsigned long long)r.addr,
               (unsigned long long)r.size, r.stack,
               (r.h.flags & kAllocKindMask) == 2 ? " realloc" : "");
    } else if (FreeRecord f; view.type == RecordType::kFree && view.Copy(&f)) {
      snprintf(line, sizeof(line), "FREE %#llx", (unsigned long long)f.addr);
    } else if (ReallocBeginRecord b; view.type == RecordType::kReallocBegin && view.Copy(&b)) {
      snprintf(line, sizeof(line), "BEGIN %#llx", (unsigned long long)b.old_addr);
    } else if (ReallocEndRecord e; view.type == RecordType::kReallocEnd && view.Copy(&e)) {
      snprintf(line, sizeof(line), "END %#llx -> %#llx %llu s%u", (unsigned long long)e.old_addr,
               (unsigned long long)e.new_addr, (unsigned long long)e.size, e.stack);
    } else if (StackRecord s; view.type == RecordType::kStack && view.Copy(&s)) {
      snprintf(line, sizeof(line), "STACK %u", s.id);
    } else {
      snprintf(line, sizeof(line), "type %u", unsigned(view.type));
    }
    lines.push_back(line);
  }
  return lines;
}

struct Outcome {
  std::vector<std::string> records;
  HeapCountersRecord counters;
};

Outcome Filter(const Stream& stream, uint64_t threshold = 100) {
  SizeJudge judge(threshold);
  KeptAllocations stage({&judge});
  ByteBuffer out;
  stage.Filter(1, 42, stream.bytes().data(), stream.bytes().size(), &out, 1 << 20, [] {});
  return {Describe(out), stage.Counters(1, 999, true)};
}

using Lines = std::vector<std::string>;

TEST(KeptAllocations, KeepsMatchingBlocksTheirStacksAndFreesAndCountsEverything) {
  Outcome outcome = Filter(Stream()
                               .Stack(7)
                               .Alloc(1, 0x10, 10, 7)  // dropped: its stack is never written
                               .Stack(8)
                               .Alloc(2, 0x20, 100, 8)  // kept
                               .Free(3, 0x10)
                               .Free(4, 0x20)
                               .Free(5, 0x30));  // never allocated: counted, dropped
  EXPECT_EQ(outcome.records, (Lines{"STACK 8", "ALLOC 0x20 100 s8", "FREE 0x20"}));
  const HeapCountersRecord& c = outcome.counters;
  EXPECT_EQ(c.h.flags, kHeapCountersCounted | kHeapCountersFinal);
  EXPECT_EQ(c.alloc_count, 2u);
  EXPECT_EQ(c.alloc_bytes, 110u);
  EXPECT_EQ(c.free_count, 2u);
  EXPECT_EQ(c.alloc_usable_bytes - c.free_usable_bytes, 0u);
  EXPECT_EQ(c.peak_usable_bytes, 110u);
  EXPECT_EQ(c.peak_ts_ns, 2u);
  EXPECT_EQ(c.untracked_frees, 1u);
  EXPECT_EQ(c.all_images_peak_bytes, 110u);
}

TEST(KeptAllocations, AKeptBlockReallocatedBelowTheLineLeavesAsAFree) {
  Outcome outcome =
      Filter(Stream().Alloc(1, 0x20, 100).Begin(2, 0x20).End(3, 0x20, 0x40, 5).Free(4, 0x40));
  EXPECT_EQ(outcome.records, (Lines{"ALLOC 0x20 100 s0", "BEGIN 0x20", "END 0x20 -> 0 0 s0"}));
  EXPECT_EQ(outcome.counters.alloc_count, 2u);
  EXPECT_EQ(outcome.counters.free_count, 2u);
  EXPECT_EQ(outcome.counters.peak_usable_bytes, 100u);
}

TEST(KeptAllocations, ABlockReallocatedAboveTheLineComesInAsAnAllocation) {
  Outcome outcome = Filter(
      Stream().Alloc(1, 0x20, 5).Begin(2, 0x20).Stack(9).End(3, 0x20, 0x40, 200, 9).Free(4, 0x40));
  EXPECT_EQ(outcome.records, (Lines{"STACK 9", "ALLOC 0x40 200 s9 realloc", "FREE 0x40"}));
  EXPECT_EQ(outcome.counters.alloc_count, 2u);
  EXPECT_EQ(outcome.counters.alloc_bytes, 205u);
  EXPECT_EQ(outcome.counters.free_count, 2u);
  EXPECT_EQ(outcome.counters.peak_usable_bytes, 200u);
}

TEST(KeptAllocations, AFailedReallocKeepsItsKeptBlock) {
  Outcome outcome =
      Filter(Stream().Alloc(1, 0x20, 100).Begin(2, 0x20).End(3, 0x20, 0, 1000).Free(4, 0x20));
  EXPECT_EQ(outcome.records,
            (Lines{"ALLOC 0x20 100 s0", "BEGIN 0x20", "END 0x20 -> 0 1000 s0", "FREE 0x20"}));
  EXPECT_EQ(outcome.counters.alloc_count, 1u);
  EXPECT_EQ(outcome.counters.free_count, 1u);
}

TEST(KeptAllocations, AnAllocationOverAKeptLiveBlockIsKeptSoTheReplaySeesItReplaced) {
  Outcome outcome = Filter(Stream().Alloc(1, 0x20, 100).Alloc(2, 0x20, 1).Free(3, 0x20));
  EXPECT_EQ(outcome.records, (Lines{"ALLOC 0x20 100 s0", "ALLOC 0x20 1 s0", "FREE 0x20"}));
  EXPECT_EQ(outcome.counters.replaced_live_blocks, 1u);
  EXPECT_EQ(outcome.counters.alloc_count, 2u);
  EXPECT_EQ(outcome.counters.free_count, 1u);
}

TEST(KeptAllocations, FlushesWhenItsOutputGrowsPastTheThreshold) {
  SizeJudge judge(1);
  KeptAllocations stage({&judge});
  Stream stream;
  for (uint64_t i = 0; i < 100; ++i) stream.Alloc(i, 0x1000 + 16 * i, 8);
  ByteBuffer out;
  size_t flushes = 0, most = 0;
  stage.Filter(1, 42, stream.bytes().data(), stream.bytes().size(), &out, 400, [&] {
    most = std::max(most, out.size());
    ++flushes;
    out.clear();
  });
  EXPECT_EQ(flushes, 100u * sizeof(AllocRecord) / 400);
  EXPECT_LT(most, 400u + sizeof(AllocRecord));
}

}  // namespace
}  // namespace memwrap
