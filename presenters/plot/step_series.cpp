#include "presenters/plot/step_series.h"

#include <algorithm>

namespace memwrap {

StepSeries::StepSeries(uint64_t span, size_t columns)
    : width_(span / std::max<size_t>(columns, 1) + 1) {}

void StepSeries::Add(uint64_t time, uint64_t value) {
  // Threads publish in batches, so the trace's order can step back in time a little.
  time = std::max(time, last_time_);
  last_time_ = time;
  if (value == current_) return;
  current_ = value;
  ++changes_;
  const uint64_t column = time / width_;
  if (column != column_) Flush();
  column_ = column;
  const Change change{in_column_++, {time, value}};
  if (column_points_.empty()) first_ = low_ = high_ = change;
  if (value < low_.point.second) low_ = change;
  if (value > high_.point.second) high_ = change;  // the earliest of equal highs: where it began
  last_ = change;
  if (column_points_.size() <= 4) column_points_.push_back(change.point);
}

// The current column's points into kept_: all of them, or the four that shape it on screen.
void StepSeries::Flush() {
  if (column_points_.empty()) return;
  if (column_points_.size() > 4) {
    std::vector<Change> shape = {first_, low_, high_, last_};
    std::sort(shape.begin(), shape.end(),
              [](const Change& a, const Change& b) { return a.order < b.order; });
    column_points_.clear();
    for (size_t i = 0; i < shape.size(); ++i) {
      if (i == 0 || shape[i].order != shape[i - 1].order) column_points_.push_back(shape[i].point);
    }
  }
  kept_.insert(kept_.end(), column_points_.begin(), column_points_.end());
  column_points_.clear();
  in_column_ = 0;
}

std::vector<StepSeries::Point> StepSeries::Points(uint64_t end) const {
  StepSeries copy = *this;
  copy.Flush();
  std::vector<Point> points;
  points.reserve(copy.kept_.size() + 2);
  points.push_back({0, 0});
  points.insert(points.end(), copy.kept_.begin(), copy.kept_.end());
  if (end > points.back().first) points.push_back({end, current_});
  return points;
}

}  // namespace memwrap
