// Native stack sampling of every thread of a traced process tree (--stack-sample-rate HZ,
// --pstack): on the tracer's timer, each thread is interrupted (PTRACE_INTERRUPT), unwound with
// libdwfl (stack_sampler.h) while it is stopped, and resumed. Each sample becomes a STACK_SAMPLE
// record; a stack's frames go out once per process image as a STACK record whose id has
// kTracerStackIdBit set. Processes without the shim also get MODULE records from libdwfl's
// view of their address space, so their samples symbolize.
//
// Jittered: the time to the next round is uniform in [0.5, 1.5] periods, so sampling cannot
// lock onto a program's own period. Pause budget: when unwinding costs more than 5% of the
// wall time (threads are stopped meanwhile), the rate is halved, and memwrap says so once.
//
// Runs on the tracer thread (ptrace).
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "tracer/process_tree.h"
#include "tracer/stack_sampler.h"
#include "tracer/trace_recorder.h"

namespace memwrap {

class StackSampling {
 public:
  StackSampling(ProcessTree* tree, TraceRecorder* recorder, uint32_t rate_hz, uint32_t max_depth);

  // The tree's timer ticked: starts a round of samples when one is due.
  void Tick(uint64_t now_ns);
  // `pid` exec'd (or a new process appeared): its address space and stack ids start afresh.
  void NewImage(pid_t pid);

  uint64_t samples() const { return samples_; }
  uint32_t rate_hz() const { return rate_hz_; }
  // A timer period fine enough for this rate's jitter.
  static uint64_t TimerPeriodNs(uint32_t rate_hz) { return 1000000000ull / rate_hz / 4; }

 private:
  void Sample(pid_t pid, pid_t tid);
  StackId Intern(pid_t pid, const std::vector<uint64_t>& frames, uint64_t now_ns);
  void CheckBudget(uint64_t now_ns);

  ProcessTree* tree_;
  TraceRecorder* recorder_;
  uint32_t rate_hz_;
  uint32_t max_depth_;
  StackSampler sampler_;
  std::map<pid_t, std::map<std::vector<uint64_t>, StackId>> stacks_;  // per process image
  std::set<pid_t> modules_written_;
  std::vector<uint64_t> frames_;
  std::mt19937_64 random_{0x5eed};
  uint64_t next_round_ns_ = 0;
  uint64_t samples_ = 0;
  // Pause budget: unwinding time in the current one-second window.
  uint64_t window_start_ns_ = 0;
  uint64_t window_busy_ns_ = 0;
  bool announced_ = false;
};

}  // namespace memwrap
