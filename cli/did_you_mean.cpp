#include "cli/did_you_mean.h"

#include <algorithm>

namespace memwrap {
namespace {

// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a
// substring): a swap of two neighbouring letters ("reprot") counts as one edit.
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

size_t TyposAllowed(size_t length) {
  return length <= 4 ? 1 : length <= 8 ? 2 : 3;
}

}  // namespace

std::string ClosestName(const std::string& typed, const std::vector<std::string>& known) {
  if (typed.empty()) return "";
  std::string best;
  size_t best_distance = TyposAllowed(typed.size()) + 1;
  for (const std::string& name : known) {
    const size_t distance = EditDistance(typed, name);
    if (distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  if (!best.empty()) return best;
  // A beginning ("--out" for "--output"): named, never taken in its place.
  for (const std::string& name : known) {
    if (name.size() > typed.size() && name.compare(0, typed.size(), typed) == 0) return name;
  }
  return "";
}

}  // namespace memwrap
