// How often a process's PSS may be read: /proc/PID/smaps_rollup walks the page tables of every
// mapping while it holds the process's mmap lock for reading, so its cost grows with the
// process's resident memory: measured here, 2.2 ms for 1 GiB in 4 KiB pages (12 us with huge
// pages). At the default 10 ms interval a program of a few GiB would have its mmap, munmap and
// brk calls (which need that lock for writing) held up for most of every period, and the
// sampling thread would do little else.
//
// So PSS has a budget: after a read that took C of the sampling thread's CPU time, the next
// one waits until 50 x C has passed (2%: a read of 2.2 ms makes PSS a sample every 110 ms at
// most). CPU time, not wall time: on a busy machine the wait for a CPU is not the walk's. Reads
// cheaper than 2% of the interval -- every small or huge-page program -- keep PSS in every sample.
// Samples taken in between read /proc/PID/status only (RSS, anon, file, shmem, swap, VmHWM keep
// their period) and carry kMemorySampleWithoutPss, whose readers keep the previous PSS.
#pragma once

#include <stdint.h>

namespace memwrap {

inline constexpr uint64_t kPssBudgetPercent = 2;
inline constexpr uint64_t kAnnounceSamples = 4;

class PssBudget {
 public:
  // `announce`: whether Spent may ever return true (false under `memwrap -q`: the samples
  // still say which ones lack PSS, kMemorySampleWithoutPss).
  explicit PssBudget(bool announce = true) : announced_(!announce) {}

  // Whether a sample taken now may read PSS.
  bool Due(uint64_t now_ns) const { return now_ns >= next_ns_; }

  // A PSS read that began at `began_ns` took `cost_ns` of CPU time. True the first time the budget
  // leaves PSS out of most samples: it allows one read in kAnnounceSamples or fewer (the moment to
  // tell the user, once; skipping an occasional sample is not worth a message).
  bool Spent(uint64_t began_ns, uint64_t cost_ns, uint64_t interval_ns) {
    const uint64_t wait_ns = SpacingFor(cost_ns);
    next_ns_ = began_ns + wait_ns;
    if (wait_ns < kAnnounceSamples * interval_ns || announced_) return false;
    announced_ = true;
    return true;
  }

  // The shortest time between two PSS reads that the last read allows.
  static uint64_t SpacingFor(uint64_t cost_ns) { return cost_ns * (100 / kPssBudgetPercent); }

 private:
  uint64_t next_ns_ = 0;
  bool announced_;
};

}  // namespace memwrap
