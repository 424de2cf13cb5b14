// A set of disjoint address ranges, each with a value (the record that mapped it): the kernel's
// view of mappings made and unmapped piece by piece. Removing part of a range cuts it, keeping
// its parts outside; inserting over existing ranges replaces what it covers (MAP_FIXED). The
// rule of the mapping replay (mapping_replay.h), with the page size and the break's growth.
#pragma once

#include <stdint.h>

#include <map>

namespace memwrap {

// Mappings are whole pages, as the kernel makes them.
inline constexpr uint64_t kPageSize = 4096;
inline uint64_t PageUp(uint64_t n) {
  return (n + kPageSize - 1) & ~(kPageSize - 1);
}

// The program's own growth of the break after one of its moves from old_break to new_break:
// the moves add up, never below 0. glibc's malloc also moves the break, unseen, so only the
// moves themselves count, not where the break ends up. Saturates: a hostile trace can move
// the break up by ~2^63 twice.
inline uint64_t GrowBreak(uint64_t growth, uint64_t old_break, uint64_t new_break) {
  const int64_t delta = int64_t(new_break - old_break);
  int64_t bytes;
  if (__builtin_add_overflow(int64_t(growth), delta, &bytes)) bytes = INT64_MAX;
  return bytes < 0 ? 0 : uint64_t(bytes);
}

template <class Value>
class RangeMap {
 public:
  struct Range {
    uint64_t end = 0;
    Value value{};
  };
  using Ranges = std::map<uint64_t, Range>;  // by start

  // Removes [start, end); returns the pieces removed (cut to [start, end)).
  Ranges Remove(uint64_t start, uint64_t end) {
    Ranges removed;
    if (start >= end) return removed;
    auto it = ranges_.upper_bound(start);
    if (it != ranges_.begin()) --it;
    while (it != ranges_.end() && it->first < end) {
      const uint64_t range_start = it->first;
      const Range range = it->second;
      if (range.end <= start) {
        ++it;
        continue;
      }
      const uint64_t cut_start = range_start > start ? range_start : start;
      const uint64_t cut_end = range.end < end ? range.end : end;
      removed[cut_start] = {cut_end, range.value};
      bytes_ -= cut_end - cut_start;
      it = ranges_.erase(it);
      // What lies outside the cut stays: a partial removal splits the range.
      if (range_start < cut_start) ranges_[range_start] = {cut_start, range.value};
      if (cut_end < range.end) it = ranges_.emplace(cut_end, Range{range.end, range.value}).first;
    }
    return removed;
  }

  // Maps [start, end) to `value`, replacing whatever part of it was mapped.
  void Insert(uint64_t start, uint64_t end, const Value& value) {
    if (start >= end) return;
    Remove(start, end);
    ranges_[start] = {end, value};
    bytes_ += end - start;
  }

  void clear() {
    ranges_.clear();
    bytes_ = 0;
  }

  const Ranges& ranges() const { return ranges_; }
  uint64_t bytes() const { return bytes_; }  // the sum of the ranges' lengths

 private:
  Ranges ranges_;
  uint64_t bytes_ = 0;
};

}  // namespace memwrap
