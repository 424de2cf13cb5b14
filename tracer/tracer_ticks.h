// What one tick of the tracer's timer does in `memwrap run` and `memwrap -p`: the recorder's
// memory samples and batch hand-over every memory period, and the stack samples' rounds, on
// one timer whose period is the finer of the two (the recorder's work stays at its own period
// when stack samples need finer ticks).
#pragma once

#include <stdint.h>

#include <algorithm>

#include "tracer/stack_sampling.h"
#include "tracer/trace_recorder.h"

namespace memwrap {

class TracerTicks {
 public:
  // sampling: nullptr without stack samples. max_period_ns: a bound of the caller's own (a
  // deadline to notice), or 0.
  TracerTicks(TraceRecorder* recorder, StackSampling* sampling, uint64_t memory_period_ns,
              uint64_t max_period_ns = 0)
      : recorder_(recorder), sampling_(sampling), memory_period_ns_(memory_period_ns) {
    period_ns_ = memory_period_ns;
    if (sampling != nullptr) {
      period_ns_ = std::min(period_ns_, StackSampling::TimerPeriodNs(sampling->rate_hz()));
    }
    if (max_period_ns != 0) period_ns_ = std::min(period_ns_, max_period_ns);
  }

  uint64_t period_ns() const { return period_ns_; }

  void Tick(uint64_t now_ns) {
    if (now_ns >= next_memory_tick_ns_) {
      recorder_->Tick(now_ns);
      next_memory_tick_ns_ = now_ns + memory_period_ns_ - period_ns_ / 2;
    }
    if (sampling_ != nullptr) sampling_->Tick(now_ns);
  }

 private:
  TraceRecorder* recorder_;
  StackSampling* sampling_;
  uint64_t memory_period_ns_;
  uint64_t period_ns_;
  uint64_t next_memory_tick_ns_ = 0;
};

}  // namespace memwrap
