// The PSS budget (tracer/collector/pss_budget.h): after a read costing C, the next waits C x 50;
// the user is told once, when reads get rarer than one in four samples.
#include "tracer/collector/pss_budget.h"

#include <gtest/gtest.h>

namespace memwrap {
namespace {

constexpr uint64_t kMs = 1'000'000;

TEST(PssBudget, TheNextReadWaitsFiftyTimesTheLastOnesCost) {
  PssBudget budget;
  EXPECT_TRUE(budget.Due(0));                         // the first sample reads PSS
  EXPECT_FALSE(budget.Spent(0, kMs / 10, 10 * kMs));  // 0.1 ms: the next after 5 ms
  EXPECT_FALSE(budget.Due(4 * kMs));
  EXPECT_TRUE(budget.Due(5 * kMs));
  EXPECT_TRUE(budget.Spent(10 * kMs, 2 * kMs, 10 * kMs));  // 2 ms: every 100 ms, and said
  EXPECT_FALSE(budget.Due(109 * kMs));
  EXPECT_TRUE(budget.Due(110 * kMs));
  EXPECT_FALSE(budget.Spent(110 * kMs, 4 * kMs, 10 * kMs)) << "said only once";
  EXPECT_FALSE(budget.Due(309 * kMs));
  EXPECT_TRUE(budget.Due(310 * kMs));
}

TEST(PssBudget, SkippingTheOddSampleIsNotWorthAMessage) {
  PssBudget budget;
  // 0.6 ms: every 30 ms, one sample in three at 10 ms: not said; 0.8 ms: one in four: said.
  EXPECT_FALSE(budget.Spent(0, 6 * kMs / 10, 10 * kMs));
  EXPECT_TRUE(budget.Spent(100 * kMs, 8 * kMs / 10, 10 * kMs));
}

}  // namespace
}  // namespace memwrap
