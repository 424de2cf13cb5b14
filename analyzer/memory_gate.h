// The CI gate behind `memwrap check`: limits on a run's memory figures, absolute or against a
// stored baseline (baseline_file.h), judged on the median of several runs; a failure against
// the baseline names the call sites that grew. docs/cli.md ("memwrap check") and
// docs/baseline.md specify it; gate_formats.h writes the verdict as JUnit XML and Markdown.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "analyzer/baseline_file.h"
#include "analyzer/run_figures.h"
#include "analyzer/site_growth.h"

namespace memwrap {

// How far a figure may exceed its baseline's: by `percent`, and at least by `floor_bytes`.
struct Tolerance {
  double percent = 0;
  uint64_t floor_bytes = 0;
  uint64_t Allowed(uint64_t baseline) const;  // rounded down to a whole byte
  std::string Text() const;                   // "5%", "max(10%, 16 MiB)"
};

// Peak RSS moves between identical runs (which pages the loader, the allocator and the kernel
// happen to fault in), heap figures do not: unless --tolerance says otherwise, peak RSS may
// grow by this much over its baseline. Measured (bench/rss_spread.sh, docs/baseline.md): the
// spread of 20 identical runs was at most 476 KiB, from 3.6 MiB to 410 MiB of peak RSS, and
// did not grow with size. 4 MiB is eight times that and two 2 MiB huge pages (machines with
// transparent huge pages always on fault the heap in them); 2% leaves larger programs room for
// what does scale (per-thread malloc arenas, mapped files) while a 1 GiB program still fails
// at +20 MiB.
inline constexpr Tolerance kDefaultRssTolerance{.percent = 2, .floor_bytes = 4ull << 20};

struct GateLimits {
  std::optional<uint64_t> max_peak_rss;
  std::optional<uint64_t> max_peak_heap;
  std::optional<uint64_t> max_leaked;
  std::optional<Baseline> baseline;
  // --tolerance: the one allowed growth of every figure over the baseline. Without it heap
  // and leaks are exact (a deterministic program repeats them to the byte) and RSS gets
  // kDefaultRssTolerance.
  std::optional<double> tolerance_percent;
  Tolerance ToleranceOf(const std::string& metric) const;
};

struct GateCheck {
  std::string name;    // "peak_heap_bytes <= --max-peak-heap", ...
  std::string metric;  // peak_heap_bytes | peak_rss_bytes | leaked_bytes | program
  uint64_t actual = 0;
  uint64_t allowed = 0;
  bool passed = false;
  std::string message;  // the one line printed for it
  // A failed comparison of a peak with the baseline: the verdict's grown sites go with it.
  bool shows_grown_sites = false;
};

struct GateVerdict {
  std::vector<RunFigures> runs;
  RunFigures median;      // per figure, the median over the runs
  size_t median_run = 0;  // the run whose heap peak is the median: its sites, its trace
  std::vector<GateCheck> checks;
  // When a peak exceeded the baseline's: the median run's sites that grew, largest first,
  // or, when there are none to name, why (sites_note).
  std::vector<SiteGrowth> grown_sites;
  std::string sites_note;
  std::string kept_trace;  // the judged run's trace, when memwrap check recorded it
  bool passed() const;
};

// Of the sites that grew, this many are listed with each failure.
inline constexpr size_t kGrownSitesShown = 5;

GateVerdict JudgeRuns(const std::vector<RunFigures>& runs, const GateLimits& limits);

// The run whose heap peak is the median (the lower median for an even count; the first such
// run on a tie): the one whose trace `memwrap check -- PROGRAM` keeps.
size_t MedianRun(const std::vector<RunFigures>& runs);

// The lines printed under a check: its grown sites (or the note), indented.
std::vector<std::string> GrownSiteLines(const GateVerdict& verdict, const GateCheck& check);

// "5" or "5%" -> 5.0; false otherwise.
bool ParsePercent(const std::string& text, double* percent);

}  // namespace memwrap
