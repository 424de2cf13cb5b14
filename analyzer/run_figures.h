// The figures one run is judged on (memwrap check) and compared by (memwrap baseline save,
// memwrap report A B ...): its heap peak, peak RSS and leaks, and the call sites live at its
// heap peak, taken from its report.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "analyzer/report.h"

namespace memwrap {

// A call site live at the heap peak, as a baseline stores it and the gate compares it.
struct PeakSite {
  // Identity: the site's source frame. A frame without a symbol ("??") is told apart by its
  // module and address (ELF virtual address), which stay put while the binary does.
  std::string function;
  std::string file;
  uint32_t line = 0;
  std::string module;
  uint64_t address = 0;
  std::string location;  // as the report prints it (frame_text.h)
  uint64_t bytes = 0;    // live at the peak
  uint64_t blocks = 0;
  bool SameSite(const PeakSite& other) const;
};

struct RunFigures {
  std::string trace;
  uint64_t peak_heap_bytes = 0;
  // A sampled trace (report.h, SampledHeap): the true peak lies within peak_heap_bytes +- this,
  // and leaked_bytes is the exact live heap at the end in usable bytes.
  uint64_t peak_heap_bound_bytes = 0;
  bool sampled = false;
  std::optional<uint64_t> peak_rss_bytes;  // largest peak RSS of its processes, when known
  uint64_t leaked_bytes = 0;
  bool program_failed = false;       // the program exited non-zero or was killed
  std::string program_end;           // "exited with 0", "killed by signal 9", ...
  std::vector<PeakSite> peak_sites;  // the report's top sites at the heap peak, by bytes
  size_t peak_site_count = 0;        // all sites live at the peak (peak_sites may be fewer)
};

// Call sites at the peak kept per run and per baseline: enough to name what grew, while the
// report's cost (symbolization) stays bounded by what it keeps.
inline constexpr size_t kPeakSitesKept = 50;

RunFigures FiguresOf(const Report& report);

}  // namespace memwrap
