// The one clock every recorded time is read from: CLOCK_MONOTONIC in nanoseconds. The shim, the
// audit library, the collector, the tracer and the system logger all read it here, so that
// their times share one axis. (Header-only: the injected libraries use it too.)
#pragma once

#include <stdint.h>
#include <time.h>

namespace memwrap {

// Any clock in nanoseconds (CLOCK_REALTIME for wall time, CLOCK_THREAD_CPUTIME_ID for CPU).
inline uint64_t ClockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

inline uint64_t MonotonicNs() {
  return ClockNs(CLOCK_MONOTONIC);
}

// Wall time minus monotonic time now: added to a recorded time, gives its wall-clock time.
inline int64_t RealtimeOffsetNs() {
  return int64_t(ClockNs(CLOCK_REALTIME)) - int64_t(ClockNs(CLOCK_MONOTONIC));
}

}  // namespace memwrap
