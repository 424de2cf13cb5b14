// DrainPacing: the collector's wait between drain rounds follows how fast the rings fill.
#include "tracer/collector/drain_pacing.h"

#include <gtest/gtest.h>

namespace memwrap {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kRing = 8ull << 20;

TEST(DrainPacing, NothingDrainedWaitsTheLongest) {
  DrainPacing pacing(0);
  EXPECT_EQ(pacing.wait_ms(), DrainPacing::kMinWaitMs);  // before any round: promptly
  EXPECT_EQ(pacing.EndRound(1 * kMs), DrainPacing::kMaxWaitMs);
}

TEST(DrainPacing, AFastFillingRingIsDrainedEveryMillisecond) {
  DrainPacing pacing(0);
  pacing.Drained(kRing / 2, kRing);  // half the ring in a 2 ms round: full in 4 ms
  EXPECT_EQ(pacing.EndRound(2 * kMs), DrainPacing::kMinWaitMs);
  pacing.Drained(kRing / 2, kRing);  // in 10 ms: full in 20 ms, so 8 rounds of 2.5 ms
  EXPECT_EQ(pacing.EndRound(12 * kMs), 2);
}

TEST(DrainPacing, TheWaitLetsARingFillOverEightRounds) {
  DrainPacing pacing(0);
  pacing.Drained(kRing / 64, kRing);  // 1/64 of the ring in 1 ms: full in 64 ms
  EXPECT_EQ(pacing.EndRound(1 * kMs), 8);
  pacing.Drained(kRing / 64, kRing);  // the same share over 8 ms: full in 512 ms
  EXPECT_EQ(pacing.EndRound(9 * kMs), DrainPacing::kMaxWaitMs);
}

TEST(DrainPacing, TheFullestRingOfTheRoundDecides) {
  DrainPacing pacing(0);
  pacing.Drained(1024, kRing);
  pacing.Drained(kRing / 16, kRing);  // full in 16 ms at a 1 ms round: wait 2 ms
  pacing.Drained(4096, kRing);
  EXPECT_EQ(pacing.EndRound(1 * kMs), 2);
  // A small ring (a ThreadRing) fills sooner for the same bytes.
  pacing.Drained(64 << 10, 1 << 20);  // 1/16 of its ring in 2 ms: full in 32 ms, wait 4 ms
  EXPECT_EQ(pacing.EndRound(3 * kMs), 4);
}

TEST(DrainPacing, EachRoundStartsAfresh) {
  DrainPacing pacing(0);
  pacing.Drained(kRing, kRing);
  EXPECT_EQ(pacing.EndRound(1 * kMs), DrainPacing::kMinWaitMs);
  EXPECT_EQ(pacing.EndRound(2 * kMs), DrainPacing::kMaxWaitMs);  // nothing since
  pacing.Drained(100, 0);  // a ring of no capacity is not counted
  EXPECT_EQ(pacing.EndRound(3 * kMs), DrainPacing::kMaxWaitMs);
}

}  // namespace
}  // namespace memwrap
