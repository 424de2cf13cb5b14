// Sampled mode's exact per-caller allocation counts (format 1.7 on; memwrap/records.h,
// CallerTotalsRecord): summed per image and return address, and trusted only when they add up
// to the image's final heap counters.
#pragma once

#include <stdint.h>

#include <map>
#include <unordered_map>

#include "replay/image_id.h"

namespace memwrap {

struct CallerCount {
  uint64_t calls = 0;
  uint64_t bytes = 0;  // requested sizes
};

// One image's CALLER_TOTALS records, summed.
struct ImageCallerTotals {
  std::unordered_map<uint64_t, CallerCount> by_address;
  CallerCount sum;  // over every record, whatever its address

  void Add(uint64_t address, uint64_t calls, uint64_t bytes) {
    CallerCount& count = by_address[address];
    count.calls += calls;
    count.bytes += bytes;
    sum.calls += calls;
    sum.bytes += bytes;
  }
};

// The images whose caller totals are exact, by image: their sums equal the calls and bytes of
// the image's final HEAP_COUNTERS. Any other image (a record lost or dropped, counters read
// before the end, an older trace) is left out, and its sites stay estimated from its samples.
using ExactCallers = std::map<ImageId, const ImageCallerTotals*>;

}  // namespace memwrap
