#include "tracer/wait_spin.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

namespace memwrap {
namespace {

// How often the load is looked at: a read of /proc/loadavg costs a few microseconds.
constexpr uint64_t kLoadCheckNs = 100'000'000;

// The CPUs this process may run on (its affinity, as set by taskset or a cgroup's cpuset).
int UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return CPU_COUNT(&set);
}

int ReadRunnable() {
  char text[128];
  const int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  const ssize_t n = read(fd, text, sizeof(text) - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = '\0';
  return RunnableInLoadavg(text);
}

}  // namespace

int RunnableInLoadavg(const char* text) {
  double one, five, fifteen;
  int runnable, total;
  if (sscanf(text, "%lf %lf %lf %d/%d", &one, &five, &fifteen, &runnable, &total) != 5) return -1;
  return runnable;
}

WaitSpin::WaitSpin(uint64_t window_ns, std::function<int()> runnable)
    : window_ns_(window_ns),
      cpus_(UsableCpus()),
      runnable_(runnable ? std::move(runnable) : std::function<int()>(ReadRunnable)) {
  if (cpus_ < 2) window_ns_ = 0;
  hot_ = window_ns_ != 0;
}

uint64_t WaitSpin::window_ns(uint64_t now_ns) {
  if (!hot_) return 0;
  if (now_ns >= next_load_check_ns_) {
    next_load_check_ns_ = now_ns + kLoadCheckNs;
    // The count includes this thread, which is running as it reads it.
    const int runnable = runnable_();
    cpu_to_spare_ = runnable >= 0 && runnable <= cpus_;
  }
  return cpu_to_spare_ ? window_ns_ : 0;
}

}  // namespace memwrap
