// The tracer loop's polling policy (tracer/wait_spin.h): it polls while stops come quickly,
// blocks at once after a slow one, and never polls on a single CPU or on a machine with more
// runnable threads than CPUs.
#include "tracer/wait_spin.h"

#include <gtest/gtest.h>
#include <sched.h>

#include "tests/test_support.h"

namespace memwrap {
namespace {

// Runs `body` with this thread allowed on `cpus` CPUs only (the policy reads the affinity).
template <class Body>
void WithCpus(int cpus, Body body) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  if (CPU_COUNT(&saved) < cpus) GTEST_SKIP() << "this machine has fewer than " << cpus << " CPUs";
  cpu_set_t limited;
  CPU_ZERO(&limited);
  for (int cpu = 0, taken = 0; cpu < CPU_SETSIZE && taken < cpus; ++cpu) {
    if (CPU_ISSET(cpu, &saved)) {
      CPU_SET(cpu, &limited);
      ++taken;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(limited), &limited), 0);
  body();
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
}

TEST(WaitSpin, PollsWhileStopsComeQuicklyAndBlocksAfterASlowOne) {
  WithCpus(2, [] {
    WaitSpin spin(50'000, [] { return 2; });  // this thread and a tracee: a CPU each
    EXPECT_EQ(spin.window_ns(0), 50'000u);    // the first wait polls
    spin.Ended(3'000);                        // a stop within the window
    EXPECT_EQ(spin.window_ns(1), 50'000u);
    spin.Ended(50'001);  // the poll missed: the next wait blocks at once
    EXPECT_EQ(spin.window_ns(2), 0u);
    spin.Ended(2'000'000);  // a slow stop keeps it blocking
    EXPECT_EQ(spin.window_ns(3), 0u);
    spin.Ended(40'000);  // a quick one brings the polling back
    EXPECT_EQ(spin.window_ns(4), 50'000u);
  });
}

TEST(WaitSpin, DoesNotPollWhileTheMachineHasMoreRunnableThreadsThanCpus) {
  WithCpus(2, [] {
    int runnable = 4;  // two busy programs besides this thread and a tracee
    WaitSpin spin(50'000, [&runnable] { return runnable; });
    EXPECT_EQ(spin.window_ns(0), 0u);
    runnable = 1;
    EXPECT_EQ(spin.window_ns(50'000'000), 0u) << "the load is looked at every 100 ms";
    EXPECT_EQ(spin.window_ns(100'000'000), 50'000u);
    runnable = -1;  // unreadable: do not poll
    EXPECT_EQ(spin.window_ns(200'000'000), 0u);
  });
}

TEST(WaitSpin, ReadsTheRunnableThreadsOfProcLoadavg) {
  EXPECT_EQ(RunnableInLoadavg("0.10 0.03 0.01 2/150 12345\n"), 2);
  EXPECT_EQ(RunnableInLoadavg("4.18 3.08 2.82 17/87 15775"), 17);
  EXPECT_EQ(RunnableInLoadavg("garbage"), -1);
  EXPECT_GE(RunnableInLoadavg(test_support::ReadFile("/proc/loadavg").c_str()), 1);
}

TEST(WaitSpin, NeverPollsOnOneCpuOrWithAZeroWindow) {
  WithCpus(1, [] {
    WaitSpin spin(50'000, [] { return 1; });
    EXPECT_EQ(spin.window_ns(0), 0u);
    spin.Ended(1'000);
    EXPECT_EQ(spin.window_ns(1), 0u);
  });
  WaitSpin off(0, [] { return 1; });
  EXPECT_EQ(off.window_ns(0), 0u);
  off.Ended(0);
  EXPECT_EQ(off.window_ns(1), 0u);
}

}  // namespace
}  // namespace memwrap
