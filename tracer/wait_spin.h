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
// polling. So a long pause costs at most one window.
//
// Only with a CPU to spare: never on a single CPU, and not while the machine has more runnable
// threads than CPUs (checked every 100 ms in /proc/loadavg). There the poller would take the
// CPU time the tracees need to reach their stops: under two busy loops on this 2-core VM, a
// 100 Hz stack sampler with polling found a burner's new thread still in clone3 in most of
// its samples, and its pauses took 98% of the time.
#pragma once

#include <stdint.h>

#include <functional>

namespace memwrap {

class WaitSpin {
 public:
  // window_ns 0: never poll. `runnable`: the number of runnable threads on the machine (by
  // default read from /proc/loadavg), -1 when unknown.
  explicit WaitSpin(uint64_t window_ns, std::function<int()> runnable = nullptr);

  // How long to poll before blocking in the coming wait; 0: block at once.
  uint64_t window_ns(uint64_t now_ns);

  // The wait ended (a status came) `waited_ns` after it began, polling included.
  void Ended(uint64_t waited_ns) { hot_ = window_ns_ != 0 && waited_ns <= window_ns_; }

 private:
  uint64_t window_ns_;
  bool hot_ = false;
  int cpus_;
  std::function<int()> runnable_;
  bool cpu_to_spare_ = true;
  uint64_t next_load_check_ns_ = 0;
};

// The runnable threads in /proc/loadavg's text ("0.10 0.03 0.01 2/150 12345": 2), -1 if it
// does not read as such.
int RunnableInLoadavg(const char* text);

// The default window: long enough for a tracee to reach its next stop through some untraced
// calls and its own work (20 us was too short for two busy processes sharing two CPUs with
// the poller), short enough that a miss wastes little.
inline constexpr uint64_t kDefaultWaitSpinNs = 50'000;
// The longest window the command lines accept: beyond, polling would be a busy loop.
inline constexpr uint64_t kMaxWaitSpinNs = 10'000'000;

}  // namespace memwrap
