#include "analyzer/sampled_threads.h"

#include <map>
#include <set>

namespace memwrap {
namespace {

// The counts of one record, or of a slot's sums less the released ones (never below 0: the
// records come from memory the traced process could write).
struct Counts {
  uint64_t allocations = 0, bytes = 0, releases = 0, realloc_releases = 0;

  static Counts Of(const ThreadHeapCountersRecord& record) {
    return {record.alloc_count, record.alloc_bytes, record.free_count, record.realloc_releases};
  }
  Counts& operator+=(const Counts& other) {
    allocations += other.allocations;
    bytes += other.bytes;
    releases += other.releases;
    realloc_releases += other.realloc_releases;
    return *this;
  }
  Counts Less(const Counts& other) const {
    auto less = [](uint64_t a, uint64_t b) { return a > b ? a - b : 0; };
    return {less(allocations, other.allocations), less(bytes, other.bytes),
            less(releases, other.releases), less(realloc_releases, other.realloc_releases)};
  }
  ThreadTotals Totals() const {
    ThreadTotals totals;
    totals.allocations = allocations;
    totals.frees = releases > realloc_releases ? releases - realloc_releases : 0;
    totals.bytes_allocated = bytes;
    return totals;
  }
};

}  // namespace

std::vector<std::pair<uint32_t, ThreadTotals>> SampledThreads(
    const std::vector<ThreadHeapCountersRecord>& records) {
  std::map<uint32_t, Counts> by_tid;
  std::map<uint32_t, Counts> released_by_slot;
  std::set<std::pair<uint32_t, uint32_t>> released_threads;  // (slot, tid)
  for (const ThreadHeapCountersRecord& record : records) {
    if ((record.h.flags & kThreadHeapCountersSlotTotal) != 0) continue;
    by_tid[record.tid] += Counts::Of(record);
    released_by_slot[record.slot] += Counts::Of(record);
    released_threads.insert({record.slot, record.tid});
  }
  for (const ThreadHeapCountersRecord& record : records) {
    if ((record.h.flags & kThreadHeapCountersSlotTotal) == 0) continue;
    // A thread that left its slot as the image ended (its record written, the slot not yet
    // free) is counted by its own record already.
    if (released_threads.count({record.slot, record.tid}) != 0) continue;
    by_tid[record.tid] += Counts::Of(record).Less(released_by_slot[record.slot]);
  }
  std::vector<std::pair<uint32_t, ThreadTotals>> threads;
  for (const auto& [tid, counts] : by_tid) threads.push_back({tid, counts.Totals()});
  return threads;
}

}  // namespace memwrap
