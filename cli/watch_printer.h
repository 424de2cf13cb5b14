// memwrap watch: the program's heap events printed as they happen, one line each, those a
// filter expression selects (docs/filters.md), symbolized: the live form of a recording, for
// scripts to read (docs/watch.md).
#pragma once

#include <stdint.h>
#include <stdio.h>

#include <memory>
#include <string>

#include "memwrap/records.h"
#include "tracer/filter/event_filter.h"
#include "tracer/flight/flight_trigger_events.h"

namespace memwrap {

enum class WatchFormat { kText, kJsonLines };

// What `memwrap watch` was asked for (run_command.cpp parses it).
struct WatchOptions {
  std::string filter;           // as given; "": every event
  std::string format = "text";  // text or jsonl
  // Checked: the expression (null without --filter) and the format. "" or a one-line reason.
  std::shared_ptr<const EventFilter> expression;
  WatchFormat parsed_format = WatchFormat::kText;
  std::string Validate();
};

// Opens where watch's lines go: standard error by default, standard output for "-", else a
// new file at `path` (replaced only with `force`). nullptr with a one-line `error`.
FILE* OpenWatchOutput(const std::string& path, bool force, std::string* error);

class WatchPrinter {
 public:
  // Prints to `out` (kept open by the caller); times count from `origin_ns` (CLOCK_MONOTONIC).
  WatchPrinter(const WatchOptions& options, FILE* out, uint64_t origin_ns);

  // A batch of records drained from process `pid`'s ring (the collector's thread): prints
  // the events the filter selects, then flushes, so a reader sees them within a poll.
  void OnRecords(uint32_t pid, const uint8_t* records, size_t size);

  uint64_t printed() const { return printed_; }

 private:
  void Print(const FilterEvent& event);
  void PrintLost(uint32_t pid, const LostRecord& lost);

  std::shared_ptr<const EventFilter> filter_;
  WatchFormat format_;
  FILE* out_;
  TriggerEvents events_;
  uint64_t printed_ = 0;
};

}  // namespace memwrap
