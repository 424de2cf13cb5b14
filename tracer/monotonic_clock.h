// The one clock every recorded time is read from: CLOCK_MONOTONIC in nanoseconds, the clock the
// shim stamps its records with (preload/shim.cpp), so that the collector's, the tracer's and
// the shim's times share one axis.
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
