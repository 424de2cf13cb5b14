// Which call sites hold more at a run's heap peak than at its baseline's: what `memwrap check`
// names when a run outgrew its baseline, so the failure says where to look.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "analyzer/baseline_file.h"
#include "analyzer/run_figures.h"

namespace memwrap {

struct SiteGrowth {
  std::string location;  // as the report prints it
  // Bytes at the baseline's peak; nullopt when the site is not among the baseline's stored
  // sites, which were not all of them: it then held at most `before_at_most`.
  std::optional<uint64_t> before;
  uint64_t before_at_most = 0;
  uint64_t after = 0;  // at the run's peak
  // Growth, a lower bound when `before` is unknown.
  uint64_t growth() const { return after - (before ? *before : before_at_most); }
  std::string Text() const;  // "f  file.c:12  3,000,000 -> 4,000,000 bytes (+1,000,000)"
};

// The run's sites that grew, largest growth first. A site missing from a baseline that stored
// every site of its peak had 0 bytes there.
std::vector<SiteGrowth> GrownSites(const Baseline& baseline, const RunFigures& run);

}  // namespace memwrap
