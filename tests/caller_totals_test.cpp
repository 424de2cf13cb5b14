// When the analyzer trusts an image's per-caller counts (analyzer/trace_catalog.h,
// ProcessImage::CallerTotalsExact): only when they add up to its final heap counters.
#include <gtest/gtest.h>

#include "analyzer/trace_catalog.h"

namespace memwrap {
namespace {

ProcessImage ImageWithCounters(uint64_t calls, uint64_t bytes, uint16_t flags) {
  ProcessImage image;
  HeapCountersRecord counters{};
  counters.h = {sizeof(counters), uint16_t(RecordType::kHeapCounters), flags};
  counters.alloc_count = calls;
  counters.alloc_bytes = bytes;
  image.heap_counters = counters;
  return image;
}

TEST(CallerTotals, SumsPerAddressAndOverAll) {
  ImageCallerTotals totals;
  totals.Add(0x401000, 3, 300);  // an evicted entry
  totals.Add(0x402000, 1, 8);
  totals.Add(0x401000, 2, 200);  // the same address, read from the table at the end
  EXPECT_EQ(totals.by_address.at(0x401000).calls, 5u);
  EXPECT_EQ(totals.by_address.at(0x401000).bytes, 500u);
  EXPECT_EQ(totals.sum.calls, 6u);
  EXPECT_EQ(totals.sum.bytes, 508u);
}

TEST(CallerTotals, ExactOnlyWhenTheyAddUpToTheFinalCounters) {
  ProcessImage image = ImageWithCounters(6, 508, kHeapCountersFinal);
  EXPECT_FALSE(image.CallerTotalsExact());  // no records (a trace before format 1.7)
  image.caller_totals.Add(0x401000, 5, 500);
  EXPECT_FALSE(image.CallerTotalsExact());  // a record lost
  image.caller_totals.Add(0x402000, 1, 8);
  EXPECT_TRUE(image.CallerTotalsExact());
  image.caller_totals.Add(0x402000, 1, 8);
  EXPECT_FALSE(image.CallerTotalsExact());  // counted twice

  ProcessImage early = ImageWithCounters(6, 508, 0);  // read before the image ended
  early.caller_totals.Add(0x401000, 6, 508);
  EXPECT_FALSE(early.CallerTotalsExact());
  ProcessImage other_bytes = ImageWithCounters(6, 508, kHeapCountersFinal);
  other_bytes.caller_totals.Add(0x401000, 6, 507);
  EXPECT_FALSE(other_bytes.CallerTotalsExact());
  ProcessImage no_counters;
  no_counters.caller_totals.Add(0x401000, 6, 508);
  EXPECT_FALSE(no_counters.CallerTotalsExact());
}

}  // namespace
}  // namespace memwrap
