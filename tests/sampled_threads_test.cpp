// SampledThreads (analyzer/sampled_threads.h) on hand-built THREAD_HEAP_COUNTERS records: a
// reused slot, a thread alive at the end, one that left its slot as the image ended, the
// overflow slot, and realloc releases, which are not free() calls.
#include "analyzer/sampled_threads.h"

#include <gtest/gtest.h>

namespace memwrap {
namespace {

ThreadHeapCountersRecord Counts(uint32_t tid, uint32_t slot, uint64_t allocations, uint64_t bytes,
                                uint64_t releases, uint64_t realloc_releases, bool slot_total) {
  ThreadHeapCountersRecord record{};
  record.h = {sizeof(record), uint16_t(RecordType::kThreadHeapCounters),
              uint16_t(slot_total ? kThreadHeapCountersSlotTotal : 0)};
  record.tid = tid;
  record.slot = slot;
  record.alloc_count = allocations;
  record.alloc_bytes = bytes;
  record.free_count = releases;
  record.realloc_releases = realloc_releases;
  return record;
}

struct Expected {
  uint32_t tid;
  uint64_t allocations, frees, bytes;
};

void ExpectThreads(const std::vector<ThreadHeapCountersRecord>& records,
                   const std::vector<Expected>& expected) {
  const auto threads = SampledThreads(records);
  ASSERT_EQ(threads.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(expected[i].tid);
    EXPECT_EQ(threads[i].first, expected[i].tid);
    EXPECT_EQ(threads[i].second.allocations, expected[i].allocations);
    EXPECT_EQ(threads[i].second.frees, expected[i].frees);
    EXPECT_EQ(threads[i].second.bytes_allocated, expected[i].bytes);
  }
}

TEST(SampledThreads, ALiveThreadGetsItsSlotLessThoseWhoLeftIt) {
  // Slot 0: thread 11, then 12 (both left), then 13 (alive at the end: the slot's sums).
  // Slot 1: thread 10, alive. Thread 12's 3 releases include 1 of a realloc.
  ExpectThreads({Counts(11, 0, 5, 500, 5, 0, false), Counts(12, 0, 7, 700, 3, 1, false),
                 Counts(10, 1, 2, 20, 1, 0, true), Counts(13, 0, 5 + 7 + 4, 1600, 12, 1, true)},
                {{10, 2, 1, 20}, {11, 5, 5, 500}, {12, 7, 2, 700}, {13, 4, 4, 400}});
}

TEST(SampledThreads, AThreadThatLeftItsSlotAsTheImageEndedIsCountedOnce) {
  // Thread 12 wrote its record, then the image ended before the slot was free again.
  ExpectThreads({Counts(11, 0, 5, 500, 5, 0, false), Counts(12, 0, 7, 700, 7, 0, false),
                 Counts(12, 0, 12, 1200, 12, 0, true)},
                {{11, 5, 5, 500}, {12, 7, 7, 700}});
}

TEST(SampledThreads, TheOverflowSlotIsTidZeroAndTidsSeenTwiceAreSummed) {
  ExpectThreads({Counts(11, 0, 5, 500, 5, 0, false), Counts(11, 1, 1, 10, 0, 0, false),
                 Counts(0, kOverflowCounterSlot, 9, 90, 9, 0, true)},
                {{0, 9, 9, 90}, {11, 6, 5, 510}});
}

TEST(SampledThreads, SumsBelowWhatLeftTheSlotCountNothingRatherThanWrapAround) {
  // Figures from the traced process's memory may be anything: no wrap-around to 2^64.
  ExpectThreads({Counts(11, 0, 5, 500, 5, 0, false), Counts(13, 0, 1, 100, 1, 2, true)},
                {{11, 5, 5, 500}, {13, 0, 0, 0}});
}

}  // namespace
}  // namespace memwrap
