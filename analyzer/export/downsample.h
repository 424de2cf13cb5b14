// Fewer points for a chart without losing its extremes: the points are split into `buckets`
// equal spans of time, and each span keeps only its lowest and its highest point (in time
// order). The highest point of the whole series is the highest of its span, so the exact peak
// always survives; so do the first and the last point.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

namespace memwrap {

// Indices of the points kept, ascending. `times` must be sorted; `values` has the same size.
std::vector<size_t> MinMaxPerBucket(const std::vector<uint64_t>& times,
                                    const std::vector<uint64_t>& values, size_t buckets);

}  // namespace memwrap
