// A series that changes at events and holds its value between them (the heap's live bytes, the
// mapped bytes), reduced for a chart of `columns` pixel columns without moving an edge: each
// column keeps all its changes when it has at most four, else its first, lowest, highest and
// last change, each at its exact time. So the step up to every peak and down to every trough
// that a pixel can show is drawn at the instant it happened, the exact highest value always
// survives, and the value carried into the next column is the true one.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <utility>
#include <vector>

namespace memwrap {

class StepSeries {
 public:
  using Point = std::pair<uint64_t, uint64_t>;  // (time, value)

  // Times in [0, span]; the series is 0 at time 0 (nothing allocated or mapped yet).
  StepSeries(uint64_t span, size_t columns);

  // The value from `time` on. Times must not decrease (a smaller one counts as the previous
  // one); a value equal to the current one is no change.
  void Add(uint64_t time, uint64_t value);

  // (0, 0), the points kept in time order (at most 4 per column), and one at `end` holding
  // the last value (so the chart's last step reaches the trace's end).
  std::vector<Point> Points(uint64_t end) const;

  uint64_t changes() const { return changes_; }

 private:
  void Flush();

  uint64_t width_;
  uint64_t column_ = 0;
  uint64_t last_time_ = 0;
  uint64_t current_ = 0;
  uint64_t changes_ = 0;
  // A change of the current column and its place among them (equal times keep their order).
  struct Change {
    uint64_t order;
    Point point;
  };
  std::vector<Point> column_points_;          // the current column's changes, up to five
  uint64_t in_column_ = 0;                    // changes in the current column
  Change first_{}, low_{}, high_{}, last_{};  // of the current column
  std::vector<Point> kept_;
};

}  // namespace memwrap
