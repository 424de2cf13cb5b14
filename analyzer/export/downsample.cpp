#include "export/downsample.h"

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
