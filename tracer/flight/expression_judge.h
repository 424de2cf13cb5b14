// `memwrap run --keep-stacks-if EXPR`: the judge that keeps the allocations a filter
// expression (docs/filters.md) matches. An allocation is an ALLOC or a realloc's new block
// (kind alloc or realloc); the expression sees its size, address, pid, tid, time, the latest
// mark, and its call stack, symbolized only when the rest of the expression did not decide.
#pragma once

#include <stdint.h>

#include <string>

#include "tracer/collector/allocation_judge.h"
#include "tracer/filter/event_filter.h"
#include "tracer/flight/flight_trigger_events.h"

namespace memwrap {

class ExpressionJudge : public AllocationJudge {
 public:
  // `origin_ns`: the run's start (CLOCK_MONOTONIC), from which `time` counts. Throws
  // FilterSyntaxError, and std::invalid_argument for a field no allocation has here (heap,
  // rss: the judge sees one allocation, not the recorder's state; syscall, result).
  ExpressionJudge(const std::string& expression, uint64_t origin_ns);

  void Judge(uint32_t pid, const uint8_t* records, size_t size,
             std::vector<uint8_t>* keep) override;
  void ImageEnded(uint32_t pid) override { events_.NewImage(pid); }

 private:
  EventFilter filter_;
  TriggerEvents events_;
};

}  // namespace memwrap
