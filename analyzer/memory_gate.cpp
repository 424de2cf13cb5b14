#include "analyzer/memory_gate.h"

#include <stdio.h>
#include <stdlib.h>

#include <algorithm>

#include "units/byte_format.h"

namespace memwrap {

uint64_t Tolerance::Allowed(uint64_t baseline) const {
  const auto by_percent = uint64_t(double(baseline) * (1.0 + percent / 100.0));
  return std::max(by_percent,
                  floor_bytes > UINT64_MAX - baseline ? UINT64_MAX : baseline + floor_bytes);
}

std::string Tolerance::Text() const {
  char text[64];
  snprintf(text, sizeof(text), "%g%%", percent);
  if (floor_bytes == 0) return text;
  return "max(" + std::string(text) + ", " + HumanBytes(floor_bytes) + ")";
}

Tolerance GateLimits::ToleranceOf(const std::string& metric) const {
  if (tolerance_percent) return Tolerance{.percent = *tolerance_percent, .floor_bytes = 0};
  return metric == "peak_rss_bytes" ? kDefaultRssTolerance : Tolerance{};
}

bool ParsePercent(const std::string& text, double* percent) {
  std::string number = text;
  if (!number.empty() && number.back() == '%') number.pop_back();
  if (number.empty()) return false;
  char* end = nullptr;
  *percent = strtod(number.c_str(), &end);
  return end == number.c_str() + number.size() && *percent >= 0 && *percent <= 1e6;
}

namespace {

uint64_t Median(std::vector<uint64_t> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[(values.size() - 1) / 2];  // the lower median
}

// The median of each figure over the runs, and the run whose heap peak is the median.
void SetMedians(const std::vector<RunFigures>& runs, GateVerdict* verdict) {
  std::vector<uint64_t> heaps, rsses, leaks;
  bool rss_known = true;
  for (const RunFigures& run : runs) {
    heaps.push_back(run.peak_heap_bytes);
    leaks.push_back(run.leaked_bytes);
    if (run.peak_rss_bytes) {
      rsses.push_back(*run.peak_rss_bytes);
    } else {
      rss_known = false;
    }
  }
  verdict->median.peak_heap_bytes = Median(heaps);
  verdict->median.leaked_bytes = Median(leaks);
  if (rss_known && !rsses.empty()) verdict->median.peak_rss_bytes = Median(rsses);
  verdict->median_run = MedianRun(runs);
}

// One limit judged. `of` says which run the figure comes from; `bound`, for a sampled run, how
// far above `actual` the true peak may be.
GateCheck LimitCheck(const std::string& metric, std::optional<uint64_t> actual, uint64_t allowed,
                     const std::string& why, uint64_t bound, const std::string& of) {
  GateCheck check;
  check.metric = metric;
  check.name = metric + " <= " + why;
  check.allowed = allowed;
  if (!actual) {
    check.passed = false;
    check.message = "FAIL " + metric + ": not known for this run, limit " +
                    BytesWithExact(allowed) + " (" + why + ")";
  } else {
    check.actual = *actual;
    check.passed = *actual <= allowed && bound <= allowed - *actual;
    const std::string within =
        bound == 0 ? ""
                   : " +- " + BytesWithExact(bound) + " (sampled trace: judged at its upper end)";
    check.message = std::string(check.passed ? "PASS " : "FAIL ") + metric + " " +
                    BytesWithExact(*actual) + within + of + (check.passed ? " <= " : " > ") +
                    BytesWithExact(allowed) + " allowed (" + why + ")";
  }
  return check;
}

// A run whose program failed fails the gate, whatever its figures.
void AddFailedPrograms(const std::vector<RunFigures>& runs, GateVerdict* verdict) {
  for (const RunFigures& run : runs) {
    if (!run.program_failed) continue;
    GateCheck check;
    check.metric = "program";
    check.name = "the program succeeds";
    check.passed = false;
    check.message = "FAIL the program " + run.program_end + " (" + run.trace + ")";
    verdict->checks.push_back(check);
  }
}

}  // namespace

size_t MedianRun(const std::vector<RunFigures>& runs) {
  std::vector<uint64_t> heaps;
  for (const RunFigures& run : runs) heaps.push_back(run.peak_heap_bytes);
  const uint64_t median = Median(heaps);
  for (size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].peak_heap_bytes == median) return i;
  }
  return 0;
}

bool GateVerdict::passed() const {
  return std::all_of(checks.begin(), checks.end(), [](const GateCheck& c) { return c.passed; });
}

GateVerdict JudgeRuns(const std::vector<RunFigures>& runs, const GateLimits& limits) {
  GateVerdict verdict;
  verdict.runs = runs;
  SetMedians(runs, &verdict);
  // Sampled runs: the peak is known within a bound; a limit passes only if the peak plus the
  // largest bound of the runs is within it.
  uint64_t heap_bound = 0;
  for (const RunFigures& run : runs) heap_bound = std::max(heap_bound, run.peak_heap_bound_bytes);

  const std::string of =
      runs.size() > 1 ? " (median of " + std::to_string(runs.size()) + " runs)" : "";
  auto limit = [&](const std::string& metric, std::optional<uint64_t> actual, uint64_t allowed,
                   const std::string& why, uint64_t bound = 0) -> GateCheck& {
    verdict.checks.push_back(LimitCheck(metric, actual, allowed, why, bound, of));
    return verdict.checks.back();
  };
  if (limits.max_peak_heap) {
    limit("peak_heap_bytes", verdict.median.peak_heap_bytes, *limits.max_peak_heap,
          "--max-peak-heap", heap_bound);
  }
  if (limits.max_peak_rss) {
    limit("peak_rss_bytes", verdict.median.peak_rss_bytes, *limits.max_peak_rss, "--max-peak-rss");
  }
  if (limits.max_leaked) {
    limit("leaked_bytes", verdict.median.leaked_bytes, *limits.max_leaked, "--max-leaked");
  }
  if (limits.baseline) {
    const Baseline& base = *limits.baseline;
    auto against = [&](const std::string& metric, std::optional<uint64_t> actual, uint64_t baseline,
                       uint64_t bound = 0) -> GateCheck& {
      const Tolerance tolerance = limits.ToleranceOf(metric);
      return limit(metric, actual, tolerance.Allowed(baseline), "baseline + " + tolerance.Text(),
                   bound);
    };
    bool sites_shown = false;
    auto show_sites = [&](GateCheck& check) {
      if (check.passed || sites_shown) return;  // one list, under the first peak that failed
      check.shows_grown_sites = sites_shown = true;
    };
    show_sites(against("peak_heap_bytes", verdict.median.peak_heap_bytes, base.peak_heap_bytes,
                       heap_bound));
    if (base.peak_rss_bytes) {
      show_sites(against("peak_rss_bytes", verdict.median.peak_rss_bytes, *base.peak_rss_bytes));
    }
    against("leaked_bytes", verdict.median.leaked_bytes, base.leaked_bytes);
    if (sites_shown && !runs.empty()) {
      verdict.grown_sites = GrownSites(base, runs[verdict.median_run]);
      if (!base.has_peak_sites) {
        verdict.sites_note =
            "the baseline holds no call sites (saved by an older memwrap): save "
            "it again to see which sites grew";
      } else if (verdict.grown_sites.empty()) {
        verdict.sites_note =
            "no call site holds more at the heap peak than in the baseline: the "
            "growth is outside the heap's call sites (mappings, thread stacks, "
            "code, the allocator's own overhead)";
      }
    }
  }
  AddFailedPrograms(runs, &verdict);
  return verdict;
}

std::vector<std::string> GrownSiteLines(const GateVerdict& verdict, const GateCheck& check) {
  std::vector<std::string> lines;
  if (!check.shows_grown_sites) return lines;
  if (!verdict.sites_note.empty()) lines.push_back("  " + verdict.sites_note);
  // The runs are "run N" when check recorded them, else the traces given.
  const std::string run = verdict.runs.size() > 1
                              ? " of " + verdict.runs[verdict.median_run].trace + " (the median)"
                              : "";
  if (!verdict.grown_sites.empty()) {
    lines.push_back("  call sites that grew at the heap peak" + run + ", baseline -> now:");
  }
  for (size_t i = 0; i < verdict.grown_sites.size() && i < kGrownSitesShown; ++i) {
    lines.push_back("    " + verdict.grown_sites[i].Text());
  }
  if (verdict.grown_sites.size() > kGrownSitesShown) {
    lines.push_back("    and " + std::to_string(verdict.grown_sites.size() - kGrownSitesShown) +
                    " more");
  }
  return lines;
}

}  // namespace memwrap
