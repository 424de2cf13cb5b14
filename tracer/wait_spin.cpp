#include "wait_spin.h"

#include <sched.h>

namespace memwrap {
namespace {

// The CPUs this process may run on (its affinity, as set by taskset or a cgroup's cpuset).
int UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return CPU_COUNT(&set);
}

}  // namespace

WaitSpin::WaitSpin(uint64_t window_ns)
    : window_ns_(UsableCpus() >= 2 ? window_ns : 0), hot_(window_ns_ != 0) {}

}  // namespace memwrap
