// How the system logger prints a sample as it takes it: one text line for people or syslog,
// or one CSV row. CPU busy share and traffic rates need the previous sample: the formatter
// keeps it; the first sample of a run shows CPU since boot and traffic totals since boot.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "analyzer/system_samples.h"

namespace memwrap {

// "2026-11-22T02:13:47.123Z" (UTC, milliseconds).
std::string WallTimeText(uint64_t realtime_ns);

class SystemSampleFormatter {
 public:
  // `modules`: the module names of the run (module_registry.h), for the CSV columns.
  explicit SystemSampleFormatter(std::vector<std::string> modules) : modules_(std::move(modules)) {}

  std::string CsvHeader() const;                     // with its newline
  std::string CsvRow(const SystemSample& sample);    // with its newline
  std::string TextLine(const SystemSample& sample);  // without a newline

 private:
  bool Has(const char* module) const;
  void Remember(const SystemSample& sample) { previous_ = sample; }

  std::vector<std::string> modules_;
  std::optional<SystemSample> previous_;
};

// CPU busy share in percent between two cumulative readings (all states but idle and iowait).
double CpuBusyPercent(const SystemCpuRecord* before, const SystemCpuRecord& now);

// Whether the sample has an item of that kind.
bool HasItems(const SystemSample& sample, SystemItemKind kind);

// Sum of one value over the items of a kind ("lo" left out of network traffic).
uint64_t SumItems(const SystemSample& sample, SystemItemKind kind, size_t value);

}  // namespace memwrap
