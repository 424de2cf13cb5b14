#include "analyzer/downsample.h"

#include <algorithm>

namespace memwrap {

std::vector<size_t> MinMaxPerBucket(const std::vector<uint64_t>& times,
                                    const std::vector<uint64_t>& values, size_t buckets) {
  std::vector<size_t> kept;
  const size_t n = std::min(times.size(), values.size());
  if (n == 0) return kept;
  if (buckets == 0 || n <= 2 * buckets) {
    for (size_t i = 0; i < n; ++i) kept.push_back(i);
    return kept;
  }
  const uint64_t start = times.front(), span = times[n - 1] - start + 1;
  size_t i = 0;
  kept.push_back(0);
  while (i < n) {
    const size_t bucket = size_t((unsigned __int128)(times[i] - start) * buckets / span);
    size_t low = i, high = i, j = i;
    for (; j < n && size_t((unsigned __int128)(times[j] - start) * buckets / span) == bucket; ++j) {
      if (values[j] < values[low]) low = j;
      if (values[j] > values[high]) high = j;
    }
    for (size_t index : {std::min(low, high), std::max(low, high)}) {
      if (index != kept.back()) kept.push_back(index);
    }
    i = j;
  }
  if (kept.back() != n - 1) kept.push_back(n - 1);
  return kept;
}

}  // namespace memwrap

namespace memwrap {

void MinMaxStream::Add(uint64_t time, uint64_t value) {
  // Threads of one process publish in batches, so a trace's order can step back in time a
  // little: such a point counts at the previous point's time.
  if (any_ && time < last_.first) time = last_.first;
  const Point point{time, value};
  if (!any_) {
    any_ = true;
    origin_ = time;
    first_ = point;
  }
  last_ = point;
  uint64_t index = (time - origin_) / width_;
  while (index >= buckets_) {
    Coarsen();
    index = (time - origin_) / width_;
  }
  if (spans_.size() <= index) spans_.resize(index + 1);
  Span& span = spans_[index];
  if (!span.used) {
    span = {true, point, point};
    return;
  }
  if (value < span.low.second) span.low = point;
  if (value > span.high.second) span.high = point;
}

// Twice as wide spans: spans 2i and 2i+1 become span i (the earlier one wins ties).
void MinMaxStream::Coarsen() {
  std::vector<Span> merged((spans_.size() + 1) / 2);
  for (size_t i = 0; i < spans_.size(); ++i) {
    const Span& from = spans_[i];
    if (!from.used) continue;
    Span& into = merged[i / 2];
    if (!into.used) {
      into = from;
      continue;
    }
    if (from.low.second < into.low.second) into.low = from.low;
    if (from.high.second > into.high.second) into.high = from.high;
  }
  spans_ = std::move(merged);
  width_ *= 2;
}

std::vector<MinMaxStream::Point> MinMaxStream::Points() const {
  std::vector<Point> points;
  if (!any_) return points;
  points.push_back(first_);
  auto keep = [&](const Point& point) {
    if (point != points.back()) points.push_back(point);
  };
  for (const Span& span : spans_) {
    if (!span.used) continue;
    const bool low_first = span.low.first <= span.high.first;
    keep(low_first ? span.low : span.high);
    keep(low_first ? span.high : span.low);
  }
  keep(last_);
  return points;
}

}  // namespace memwrap
