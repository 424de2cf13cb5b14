// Whether the tracer loop polls for the next ptrace stop for a moment before it blocks in
// wait4, and for how long.
//
// Why: every stop wakes the tracer and every resume wakes the tracee. When the tracer's CPU has
// gone idle meanwhile, the wake-up is an interrupt sent to another CPU, and on a virtual
// machine an idle virtual CPU is halted and must be scheduled again by the host. Measured on
// the 2-core virtual machine memwrap is developed on: a syscall stop round trip costs about
// 17 us when tracer and tracee run on different CPUs and 5 us when they share one. A tracer
// that polls (wait4 WNOHANG) is awake when the stop comes, which takes that wake-up out of
// the round trip: `memwrap run --syscalls=memory` and `stracedrv -f` ran in 0.6-0.8x the wall
// time of blocking (docs/performance.md), for CPU time spent polling on a core that was idle.
//
// Adaptive, so that a program that rarely stops costs almost nothing: the loop polls only
// while stops come quickly (the previous wait ended within the window); a wait that took
// longer makes the next one block at once, and the first quick one after that resumes
// polling. So a long pause costs at most one window. Never on a single CPU, where polling
// would take the CPU the tracee needs to reach its stop.
#pragma once

#include <stdint.h>

namespace memwrap {

class WaitSpin {
 public:
  // window_ns 0: never poll.
  explicit WaitSpin(uint64_t window_ns);

  // How long to poll before blocking in the coming wait; 0: block at once.
  uint64_t window_ns() const { return hot_ ? window_ns_ : 0; }

  // The wait ended (a status came) `waited_ns` after it began, polling included.
  void Ended(uint64_t waited_ns) { hot_ = window_ns_ != 0 && waited_ns <= window_ns_; }

 private:
  uint64_t window_ns_;
  bool hot_;
};

// The default window: long enough for a tracee to reach its next stop through some untraced
// calls and its own work (20 us was too short for two busy processes sharing two CPUs with
// the poller), short enough that a miss wastes little.
inline constexpr uint64_t kDefaultWaitSpinNs = 50'000;
// The longest window the command lines accept: beyond, polling would be a busy loop.
inline constexpr uint64_t kMaxWaitSpinNs = 10'000'000;

}  // namespace memwrap
