// The CI gate behind `memwrap check`: limits on a run's memory figures, absolute or against a
// stored baseline, judged on the median of several runs. Reports as text lines, JUnit XML and
// Markdown. docs/cli.md ("memwrap check") and docs/baseline.md specify the formats.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "report.h"

namespace memwrap {

// The figures a gate judges, from one run's report.
struct RunFigures {
  std::string trace;
  uint64_t peak_heap_bytes = 0;
  std::optional<uint64_t> peak_rss_bytes;  // largest peak RSS of its processes, when known
  uint64_t leaked_bytes = 0;
  bool program_failed = false;  // the program exited non-zero or was killed
  std::string program_end;      // "exited with 0", "killed by signal 9", ...
};

RunFigures FiguresOf(const Report& report);

struct Baseline {
  uint64_t peak_heap_bytes = 0;
  std::optional<uint64_t> peak_rss_bytes;
  uint64_t leaked_bytes = 0;
  std::string command;
};

// Writes / reads the documented baseline JSON (docs/baseline.md). Read throws TraceError(kIo)
// with a one-line reason.
void SaveBaseline(const RunFigures& figures, const std::string& command, const std::string& path);
Baseline LoadBaseline(const std::string& path);

struct GateLimits {
  std::optional<uint64_t> max_peak_rss;
  std::optional<uint64_t> max_peak_heap;
  std::optional<uint64_t> max_leaked;
  std::optional<Baseline> baseline;
  double tolerance_percent = 0;  // allowed growth over the baseline
};

struct GateCheck {
  std::string name;      // "peak_heap_bytes <= --max-peak-heap", ...
  std::string metric;    // peak_heap_bytes | peak_rss_bytes | leaked_bytes | program
  uint64_t actual = 0;
  uint64_t allowed = 0;
  bool passed = false;
  std::string message;   // the one line printed for it
};

struct GateVerdict {
  std::vector<RunFigures> runs;
  RunFigures median;  // per figure, the median over the runs
  std::vector<GateCheck> checks;
  bool passed() const;
};

GateVerdict JudgeRuns(const std::vector<RunFigures>& runs, const GateLimits& limits);

std::string GateJunitXml(const GateVerdict& verdict);
std::string GateMarkdown(const GateVerdict& verdict);

// "5" or "5%" -> 5.0; false otherwise.
bool ParsePercent(const std::string& text, double* percent);

}  // namespace memwrap
