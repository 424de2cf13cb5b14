// The one clock every recorded time is read from: CLOCK_MONOTONIC in nanoseconds. The shim, the
// audit library, the collector, the tracer and the system logger all read it here, so that
// their times share one axis. (Header-only: the injected libraries use it too.)
#pragma once

#include <stdint.h>
#include <time.h>

namespace memwrap {

inline uint64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

}  // namespace memwrap
