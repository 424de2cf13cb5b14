// StepSeries (presenters/plot/step_series.h): the heap and mapped series of the HTML report,
// reduced per pixel column without moving an edge. Checked against series whose every change
// is known: quiet columns keep every change, busy ones their first, lowest, highest and last
// change at their exact times, and equal times keep their order.
#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "presenters/plot/step_series.h"

namespace memwrap {
namespace {

using Points = std::vector<StepSeries::Point>;

TEST(StepSeries, AQuietSeriesKeepsEveryChangeAtItsTime) {
  StepSeries series(1000, 10);  // columns of 101 ns
  series.Add(5, 100);
  series.Add(7, 100);  // no change
  series.Add(250, 54);
  series.Add(251, 4);
  series.Add(900, 0);
  EXPECT_EQ(series.changes(), 4u);
  EXPECT_EQ(series.Points(1000),
            (Points{{0, 0}, {5, 100}, {250, 54}, {251, 4}, {900, 0}, {1000, 0}}));
}

TEST(StepSeries, ABusyColumnKeepsItsFirstLowestHighestAndLast) {
  StepSeries series(1000, 10);
  // Column 0 (0-100 ns): 10 changes; the highest (500) at 40, the lowest (1) at 60.
  const std::vector<std::pair<uint64_t, uint64_t>> changes = {
      {10, 20}, {20, 30}, {30, 40}, {40, 500}, {50, 10},
      {60, 1},  {70, 15}, {80, 16}, {90, 17},  {95, 18}};
  for (const auto& [time, value] : changes) series.Add(time, value);
  series.Add(300, 7);  // a quiet column after it
  EXPECT_EQ(series.changes(), 11u);
  EXPECT_EQ(series.Points(1000),
            (Points{{0, 0}, {10, 20}, {40, 500}, {60, 1}, {95, 18}, {300, 7}, {1000, 7}}));
}

TEST(StepSeries, EqualTimesKeepTheirOrderAndTimeNeverGoesBack) {
  StepSeries series(100, 1);  // one column
  for (uint64_t value : {1u, 9u, 2u, 8u, 3u}) series.Add(50, value);
  series.Add(40, 6);  // earlier than the previous change: counts at 50
  // Six changes at 50: first 1, highest 9, lowest 1 (the first), last 6, in their order.
  EXPECT_EQ(series.Points(100), (Points{{0, 0}, {50, 1}, {50, 9}, {50, 6}, {100, 6}}));
}

TEST(StepSeries, AtMostFourPointsPerColumn) {
  StepSeries series(1'000'000, 100);
  for (uint64_t t = 0; t < 1'000'000; t += 7) series.Add(t, (t * 7919) % 1000 + 1);
  const Points points = series.Points(1'000'000);
  EXPECT_LE(points.size(), 4 * 100u + 2);
  uint64_t highest = 0;
  for (const auto& point : points) highest = std::max(highest, point.second);
  EXPECT_EQ(highest, 1000u) << "the exact highest value survives";
}

}  // namespace
}  // namespace memwrap
