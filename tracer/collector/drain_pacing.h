// How long the collector waits between two rounds of draining the rings.
//
// A ring must be drained before it fills, or its producer waits (block mode) or drops records
// (drop mode); but each round costs a wake-up, and on a machine whose cores the traced program
// keeps busy, the collector's wake-ups are time taken from the program: at a fixed 1 ms, the
// wake-ups alone were 2% of malloc_bench's CPU in sampled mode, where the rings fill at a few
// kilobytes per millisecond. So the wait follows the rate at which the rings fill: long enough
// that a ring at the last round's rate would need kRoundsPerRingFill rounds to fill, between
// kMinWaitMs and kMaxWaitMs. A burst after a quiet spell waits at most kMaxWaitMs, the wait
// the collector always had with no ring to drain.
#pragma once

#include <stdint.h>

#include <algorithm>

namespace memwrap {

class DrainPacing {
 public:
  static constexpr int kMinWaitMs = 1;
  static constexpr int kMaxWaitMs = 10;
  static constexpr uint64_t kRoundsPerRingFill = 8;

  explicit DrainPacing(uint64_t now_ns) : round_start_ns_(now_ns) {}

  // One process's drain this round: `bytes` taken from rings whose smallest holds `capacity`
  // bytes (counting them all against the smallest ring errs on the side of waking early).
  void Drained(uint64_t bytes, uint64_t capacity) {
    if (capacity == 0) return;
    fullest_share_ = std::max(fullest_share_, double(bytes) / double(capacity));
  }

  // Ends the round at `now_ns` and returns the wait before the next one.
  int EndRound(uint64_t now_ns) {
    const double round_ms = double(now_ns - round_start_ns_) / 1e6;
    const double fill_ms = fullest_share_ > 0 ? round_ms / fullest_share_ : 1e9;
    const double wait_ms = fill_ms / double(kRoundsPerRingFill);
    wait_ms_ = int(std::clamp(wait_ms, double(kMinWaitMs), double(kMaxWaitMs)));
    fullest_share_ = 0;
    round_start_ns_ = now_ns;
    return wait_ms_;
  }

  int wait_ms() const { return wait_ms_; }

 private:
  uint64_t round_start_ns_;
  double fullest_share_ = 0;
  int wait_ms_ = kMinWaitMs;
};

}  // namespace memwrap
