// The tracer loop's polling policy (tracer/wait_spin.h): it polls while stops come quickly,
// blocks at once after a slow one, and never polls on a single CPU.
#include "wait_spin.h"

#include <gtest/gtest.h>
#include <sched.h>

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
    WaitSpin spin(50'000);
    EXPECT_EQ(spin.window_ns(), 50'000u);  // the first wait polls
    spin.Ended(3'000);                     // a stop within the window
    EXPECT_EQ(spin.window_ns(), 50'000u);
    spin.Ended(50'001);                    // the poll missed: the next wait blocks at once
    EXPECT_EQ(spin.window_ns(), 0u);
    spin.Ended(2'000'000);                 // a slow stop keeps it blocking
    EXPECT_EQ(spin.window_ns(), 0u);
    spin.Ended(40'000);                    // a quick one brings the polling back
    EXPECT_EQ(spin.window_ns(), 50'000u);
  });
}

TEST(WaitSpin, NeverPollsOnOneCpuOrWithAZeroWindow) {
  WithCpus(1, [] {
    WaitSpin spin(50'000);
    EXPECT_EQ(spin.window_ns(), 0u);
    spin.Ended(1'000);
    EXPECT_EQ(spin.window_ns(), 0u);
  });
  WaitSpin off(0);
  EXPECT_EQ(off.window_ns(), 0u);
  off.Ended(0);
  EXPECT_EQ(off.window_ns(), 0u);
}

}  // namespace
}  // namespace memwrap
