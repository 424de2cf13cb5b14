// `memwrap timeline` and `memwrap report` of a system log (dlogger, cronlogger): system memory
// over time, one row per sample (or per --step), and a short summary instead of a heap report.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "analyzer/system_samples.h"

namespace memwrap {

// Keeps the first row of every `step_ns` window (all rows when step_ns is 0).
std::vector<SystemMemoryRow> ThinSystemRows(const std::vector<SystemMemoryRow>& rows,
                                            uint64_t step_ns);

// format: "text", "csv" or "jsonl". Keys: docs/dlogger.md.
std::string FormatSystemTimeline(const std::string& trace_path,
                                 const std::vector<SystemMemoryRow>& rows,
                                 const std::vector<std::string>& warnings,
                                 const std::string& format);

// What `memwrap report` says of a system log: that it is one, whose host, how many samples
// over what time, and the lowest and highest memory use. format: "text" or "json".
std::string FormatSystemLogReport(const std::string& trace_path, TraceStream& stream,
                                  const std::string& format);

}  // namespace memwrap
