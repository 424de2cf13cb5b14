// The baseline file `memwrap baseline save` writes and `memwrap check --baseline` reads: one
// run's figures and the call sites live at its heap peak. Format: docs/baseline.md.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "analyzer/run_figures.h"

namespace memwrap {

struct Baseline {
  uint64_t peak_heap_bytes = 0;
  std::optional<uint64_t> peak_rss_bytes;
  uint64_t leaked_bytes = 0;
  std::string command;
  // The top sites at the peak (kPeakSitesKept at most), by bytes. Baselines saved before
  // memwrap stored them have none: has_peak_sites is then false.
  bool has_peak_sites = false;
  std::vector<PeakSite> peak_sites;
  size_t peak_site_count = 0;  // all sites live at the baseline's peak
  // True when peak_sites holds every site of the baseline's peak: a site missing from it had
  // 0 bytes there.
  bool AllPeakSites() const { return has_peak_sites && peak_sites.size() >= peak_site_count; }
};

// Writes / reads the documented baseline JSON. Both throw TraceError(kIo) with a one-line
// reason.
void SaveBaseline(const RunFigures& figures, const std::string& command, const std::string& path);
Baseline LoadBaseline(const std::string& path);

}  // namespace memwrap
