// Fewer points for a chart without losing its extremes: the points are split into `buckets`
// equal spans of time, and each span keeps only its lowest and its highest point (in time
// order). The highest point of the whole series is the highest of its span, so the exact peak
// always survives; so do the first and the last point.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <utility>
#include <vector>

namespace memwrap {

// Indices of the points kept, ascending. `times` must be sorted; `values` has the same size.
std::vector<size_t> MinMaxPerBucket(const std::vector<uint64_t>& times,
                                    const std::vector<uint64_t>& values, size_t buckets);

// The same reduction while points arrive in time order and their time span is not known ahead
// (a merge of several traces): spans start 1 ns wide and double, neighbours merged, whenever a
// point falls past the last of `buckets` spans. Memory is O(buckets) however many points
// arrive; the lowest and highest point of every span, so the exact peak, and the first and
// last point survive. Equal values keep the earliest point.
class MinMaxStream {
 public:
  using Point = std::pair<uint64_t, uint64_t>;  // (time, value)

  explicit MinMaxStream(size_t buckets) : buckets_(buckets < 2 ? 2 : buckets) {}

  // A point before the previous one is taken at the previous one's time.
  void Add(uint64_t time, uint64_t value);

  // The points kept, in time order (at most 2 x buckets + 2).
  std::vector<Point> Points() const;

 private:
  struct Span {
    bool used = false;
    Point low, high;
  };
  void Coarsen();

  size_t buckets_;
  bool any_ = false;
  uint64_t origin_ = 0;
  uint64_t width_ = 1;
  Point first_, last_;
  std::vector<Span> spans_;
};

}  // namespace memwrap
