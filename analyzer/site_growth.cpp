#include "analyzer/site_growth.h"

#include <algorithm>

#include "units/byte_format.h"

namespace memwrap {

std::string SiteGrowth::Text() const {
  const std::string from =
      before ? GroupDigits(*before)
             : "(not among the baseline's top sites: at most " + GroupDigits(before_at_most) + ")";
  return location + "  " + from + " -> " + GroupDigits(after) + " bytes (+" +
         GroupDigits(growth()) + (before ? "" : " or more") + ")";
}

std::vector<SiteGrowth> GrownSites(const Baseline& baseline, const RunFigures& run) {
  std::vector<SiteGrowth> grown;
  if (!baseline.has_peak_sites) return grown;
  // A site the baseline did not store held no more than the smallest one it did.
  uint64_t smallest_stored = UINT64_MAX;
  for (const PeakSite& site : baseline.peak_sites)
    smallest_stored = std::min(smallest_stored, site.bytes);
  for (const PeakSite& site : run.peak_sites) {
    SiteGrowth growth;
    growth.location = site.location;
    growth.after = site.bytes;
    auto match = std::find_if(baseline.peak_sites.begin(), baseline.peak_sites.end(),
                              [&](const PeakSite& old) { return old.SameSite(site); });
    if (match != baseline.peak_sites.end()) {
      growth.before = match->bytes;
    } else if (baseline.AllPeakSites()) {
      growth.before = 0;
    } else {
      growth.before_at_most = std::min(smallest_stored, site.bytes);
    }
    if (growth.growth() > 0) grown.push_back(growth);
  }
  std::stable_sort(grown.begin(), grown.end(), [](const SiteGrowth& a, const SiteGrowth& b) {
    return a.growth() > b.growth();
  });
  return grown;
}

}  // namespace memwrap
