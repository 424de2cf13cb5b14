#include "analyzer/run_figures.h"

#include "analyzer/frame_text.h"

namespace memwrap {

bool PeakSite::SameSite(const PeakSite& other) const {
  if (function != other.function || file != other.file || line != other.line) return false;
  return function != "??" || (module == other.module && address == other.address);
}

RunFigures FiguresOf(const Report& report) {
  RunFigures figures;
  figures.trace = report.trace_path;
  figures.peak_heap_bytes = report.peak_heap_bytes;
  figures.leaked_bytes = report.leaked_bytes;
  if (report.sampled.present) {
    figures.sampled = true;
    figures.peak_heap_bound_bytes = report.sampled.peak_bound_bytes;
    figures.leaked_bytes = report.sampled.live_at_end_bytes;  // exact, not the samples' estimate
  }
  for (const ProcessReport& process : report.processes) {
    if (!process.peak_rss_source.empty() &&
        (!figures.peak_rss_bytes || process.peak_rss_bytes > *figures.peak_rss_bytes)) {
      figures.peak_rss_bytes = process.peak_rss_bytes;
    }
  }
  // The program memwrap started is the process whose exit it observed.
  for (const ProcessReport& process : report.processes) {
    if (!process.end || process.end->kind == ExitKind::kUnknown) continue;
    if (process.end->kind == ExitKind::kExited) {
      figures.program_end = "exited with " + std::to_string(process.end->status);
      figures.program_failed = process.end->status != 0;
    } else {
      figures.program_end = "killed by signal " + std::to_string(process.end->status);
      figures.program_failed = true;
    }
  }
  for (const CallSite& site : report.peak_sites) {
    if (figures.peak_sites.size() == kPeakSitesKept) break;
    figures.peak_sites.push_back({.function = site.location.function,
                                  .file = site.location.file,
                                  .line = site.location.line,
                                  .module = site.location.module,
                                  .address = site.location.address,
                                  .location = FrameText(site.location),
                                  .bytes = site.bytes,
                                  .blocks = site.allocations});
  }
  figures.peak_site_count = report.peak_site_count;
  return figures;
}

}  // namespace memwrap
