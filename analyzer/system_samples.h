// System samples (dlogger, cronlogger, `memwrap sys`): the SYSTEM_* records of pid 0 grouped
// back into samples, for the live output, `memwrap timeline` and plots of system memory.
#pragma once

#include <stdint.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "memwrap/records.h"
#include "tracefile/record_cursor.h"

namespace memwrap {

class TraceStream;

struct SystemItem {
  SystemItemKind kind = SystemItemKind::kNetworkInterface;
  uint32_t id = 0;
  std::string name;
  uint64_t values[8] = {};
};

struct SystemSample {
  uint64_t ts_ns = 0;        // CLOCK_MONOTONIC of the machine, when the sample began
  uint64_t realtime_ns = 0;  // wall time of the same instant; 0 if not recorded
  std::string host;
  uint64_t interval_ns = 0;  // the run's interval; 0 for a single sample (cronlogger)
  std::optional<SystemMemoryRecord> memory;
  std::optional<SystemCpuRecord> cpu;
  std::optional<SystemLoadRecord> load;
  std::vector<SystemItem> items;  // interfaces, disks, top processes (largest first)
};

// Builds samples from records in stream order: a kSampleStart item begins a sample.
class SystemSampleAssembler {
 public:
  // Returns true when `record` is a system record (it was taken).
  bool Add(const RecordView& record);
  // The sample being assembled is complete; hands it over (false if there is none).
  bool Take(SystemSample* sample);

 private:
  std::optional<SystemSample> current_;
};

// True when the session info says the trace is a system log (trace_kind=system).
bool IsSystemLog(const std::map<std::string, std::string>& session_info);

// Throws TraceError(kNotATrace) naming `trace_path` when it is a system log: for the analyses
// of a program's heap (report, check, diff, export, plot), which would show only zeros.
void RefuseSystemLog(const std::string& trace_path,
                     const std::map<std::string, std::string>& session_info);

// Calls visit(sample) for each sample of a system log, in file order.
void ForEachSystemSample(TraceStream& stream,
                         const std::function<void(const SystemSample&)>& visit);

// System memory over time, one row per sample that has memory: what `memwrap timeline` shows
// for a system log, and the series a plot draws (total, used, ..., swap, and percentages).
struct SystemMemoryRow {
  uint64_t time_ns = 0;      // since the first sample (by wall time)
  uint64_t realtime_ns = 0;  // wall time
  std::string host;
  SystemMemoryRecord memory{};
  double used_percent = 0;       // used / total
  double available_percent = 0;  // available / total
  double swap_used_percent = 0;  // swap used / swap total (0 without swap)
};
std::vector<SystemMemoryRow> ReadSystemSamples(TraceStream& stream);

}  // namespace memwrap
