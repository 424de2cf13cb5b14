// Per-syscall totals, as `strace -c` shows them (stracedrv -c), and per-interval counts
// (stracedrv -d SECONDS).
#pragma once

#include <stdint.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tracer/process_tree.h"

namespace memwrap {

class SyscallSummary {
 public:
  void Add(const SyscallEvent& event);
  bool empty() const { return by_number_.empty(); }
  // The strace -c table: % time, seconds, usecs/call, calls, errors, syscall; most time first,
  // then a total line. Time is the sum of entry-to-exit durations as the tracer saw them
  // (wall-clock latency, as strace -c -w). Calls that never returned are not counted (as
  // strace -c).
  std::string FormatTable() const;
  // The same as one JSON object: {"syscalls":[{"syscall":"read","calls":N,"errors":N,"ns":N},
  // ...],"total":{...}} (docs/stracedrv.md).
  std::string FormatJson() const;
  // "name count, name count" by count (most first); "" if nothing.
  std::string FormatCounts() const;
  uint64_t calls(uint32_t number) const;

 private:
  struct Totals {
    uint64_t calls = 0;
    uint64_t errors = 0;
    uint64_t ns = 0;
  };
  // The rows of both formats, in strace -c's order, and their sum in `total`.
  std::vector<std::pair<uint32_t, Totals>> SortedRows(Totals* total) const;

  std::map<uint32_t, Totals> by_number_;
};

}  // namespace memwrap
