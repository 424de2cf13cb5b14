// Comparing traces: `memwrap diff A B` (which call sites grew or shrank, at the peak and over
// the whole run) and `memwrap report A B ...` of several traces (per-trace peaks and their
// max, min, mean and total: the files of a process tree, or the ranks of an MPI job).
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "analyzer/host_totals.h"
#include "analyzer/report.h"

namespace memwrap {

struct SiteDelta {
  SourceFrame location;
  int64_t peak_bytes_a = 0, peak_bytes_b = 0;    // live at each trace's peak
  int64_t total_bytes_a = 0, total_bytes_b = 0;  // allocated over each whole run
  int64_t peak_delta() const { return peak_bytes_b - peak_bytes_a; }
  int64_t total_delta() const { return total_bytes_b - total_bytes_a; }
};

struct TraceDiff {
  Report a, b;
  std::vector<SiteDelta> sites;  // changed sites, by |peak delta| then |total delta|, largest first
};

// Both reports must have been built with an unlimited --top (every site).
TraceDiff DiffReports(Report a, Report b);
std::string FormatDiffText(const TraceDiff& diff, size_t top);
std::string FormatDiffJson(const TraceDiff& diff, size_t top);

struct Spread {
  uint64_t max = 0, min = 0, total = 0;
  double mean = 0;
};

struct MultiReport {
  std::vector<Report> traces;
  Spread peak_heap;
  Spread peak_rss;  // over the traces whose peak RSS is known
  size_t rss_known = 0;
  Spread leaked;
  // Per host: the exact peak of its traces' summed heap on the aligned clock (host_totals.h).
  std::vector<HostTotal> hosts;
};

MultiReport MergeReports(std::vector<Report> reports);
std::string FormatMultiText(const MultiReport& merged);
std::string FormatMultiJson(const MultiReport& merged);

}  // namespace memwrap
