// Text form of the report, for people: exact byte counts beside every rounded figure.
#include <stdio.h>

#include <cmath>
#include <sstream>

#include "analyzer/frame_text.h"
#include "analyzer/report.h"
#include "memwrap/session_info_keys.h"
#include "units/byte_format.h"

namespace memwrap {
namespace {

std::string EndText(const ProcessReport& process) {
  if (!process.end) return "exit status not observed";
  switch (process.end->kind) {
    case ExitKind::kExited:
      return "exited with " + std::to_string(process.end->status);
    case ExitKind::kSignaled:
      return "killed by signal " + std::to_string(process.end->status);
    default:
      return "exit status not observed";
  }
}

std::string Percent(uint64_t part, uint64_t whole) {
  char text[16];
  snprintf(text, sizeof(text), "%5.1f%%", whole == 0 ? 0.0 : 100.0 * double(part) / double(whole));
  return text;
}

// " ± <standard error>" of an estimate; "" when it is exact.
std::string StandardError(double variance) {
  if (!(variance > 0)) return "";
  return " +- " + HumanBytes(uint64_t(std::llround(std::sqrt(variance))));
}

// Sampled-only traces: how the figures were obtained, said once at the top.
void WriteSampledNote(std::ostringstream& out, const SampledHeap& sampled) {
  out << "SAMPLED trace: only sampled allocations (Poisson by bytes, mean "
      << BytesWithExact(sampled.sample_bytes)
      << ") and their frees were recorded: " << GroupDigits(sampled.samples) << " samples";
  if (sampled.samples_untracked != 0) {
    out << " (" << GroupDigits(sampled.samples_untracked)
        << " more dropped: the shim's sampled-block set was full)";
  }
  out << ". Counts, totals and the peak are the shim's exact counters; bytes per call site are "
         "ESTIMATES (each sample weighed by 1/probability, +- one standard error)";
  if (!sampled.final) out << "; some counters were read before their process ended";
  out << "\n";
}

// --keep-stacks-if traces: what the trace keeps and which figures count everything.
void WriteKeptNote(std::ostringstream& out, const Report& report) {
  out << "FILTERED trace (--keep-stacks-if '" << report.kept.expression
      << "'): " << GroupDigits(report.kept.allocations_kept) << " of "
      << GroupDigits(report.totals.allocations)
      << " allocations kept with their stacks. Counts, bytes, leaks in total and the peak "
         "count every event, exactly; call sites, leaks by site and temporaries cover the kept "
         "allocations only\n";
}

void WriteSites(std::ostringstream& out, const Report& report, bool with_callers) {
  char line[128];
  for (size_t i = 0; i < report.peak_sites.size(); ++i) {
    const CallSite& site = report.peak_sites[i];
    snprintf(line, sizeof(line), "  #%-2zu %16s %s %8s %-6s  ", i + 1,
             GroupDigits(site.bytes).c_str(), Percent(site.bytes, report.peak_heap_bytes).c_str(),
             GroupDigits(site.allocations).c_str(), site.allocations == 1 ? "block" : "blocks");
    out << line << FrameText(site.location) << StandardError(site.bytes_variance) << "\n";
    if (!with_callers) continue;
    bool past_site = false;
    int shown = 0;
    for (const SourceFrame& frame : site.stack) {
      if (past_site && shown < 4) {
        out << std::string(46, ' ') << "<- " << FrameText(frame) << "\n";
        ++shown;
      }
      if (frame.function == site.location.function && frame.line == site.location.line) {
        past_site = true;
      }
    }
  }
}

// A flight-recorder dump: which trigger fired, and what from before its window is missing.
void WriteFlightRecorderNote(std::ostringstream& out, const Report& report) {
  auto trigger = report.session.find(session_key::kFltrecTrigger);
  if (trigger == report.session.end()) return;
  auto value = [&](const char* key) {
    auto it = report.session.find(key);
    return it != report.session.end() ? it->second : std::string("?");
  };
  out << "flight-recorder dump " << value(session_key::kFltrecDump) << ": " << trigger->second
      << " fired; " << value(session_key::kFltrecOverwrittenRecords)
      << " records before the window (--keep " << value(session_key::kFltrecKeep)
      << ") were overwritten: the heap blocks and the program's own mappings live from "
         "before it are included, samples and marks from before it are not\n";
}

// The trace, the command and how it was recorded, with the notes that qualify every figure.
void WriteHeader(std::ostringstream& out, const Report& report) {
  out << "memwrap report: " << report.trace_path << "\n";
  for (const std::string& warning : report.warnings) out << "warning: " << warning << "\n";
  auto command = report.session.find(session_key::kCommand);
  if (command != report.session.end()) out << "command: " << command->second << "\n";
  out << "duration: " << HumanDuration(report.duration_ns) << "\n";
  out << "recorded with: --stacks=" << report.recording.stacks
      << " --on-full=" << report.recording.on_full;
  if (report.recording.stacks == "sampled") {
    out << " --sample-bytes=" << report.recording.sample_bytes;
  }
  // The default is not repeated, so reports of per-process traces read as before.
  if (report.recording.buffers != "per-process") out << " --buffers=" << report.recording.buffers;
  out << "\n";
  if (report.sampled.present) WriteSampledNote(out, report.sampled);
  if (report.kept.present) WriteKeptNote(out, report);
  WriteFlightRecorderNote(out, report);
  out << "\n";
}

// The peaks of the heap, of the mappings and of both, and the RSS at the heap peak.
void WritePeaks(std::ostringstream& out, const Report& report) {
  if (report.sampled.present) {
    const SampledHeap& sampled = report.sampled;
    out << "Peak heap: " << BytesWithExact(sampled.peak_bytes) << " +- "
        << BytesWithExact(sampled.peak_bound_bytes) << " (usable bytes, as malloc_usable_size "
        << "counts them; within the bound of " << sampled.threads << " threads x "
        << HumanBytes(sampled.flush_bytes) << " not yet flushed; its time and live blocks are "
        << "not recorded in a sampled trace)\n";
  } else if (report.kept.present) {
    out << "Peak heap: " << BytesWithExact(report.peak_heap_bytes) << " at "
        << HumanDuration(report.peak_heap_time_ns) << " (counted from every event)\n";
  } else {
    out << "Peak heap: " << BytesWithExact(report.peak_heap_bytes) << " at "
        << HumanDuration(report.peak_heap_time_ns) << ", in "
        << GroupDigits(report.peak_live_blocks) << " live blocks\n";
  }
  out << "Peak of the program's own mappings: " << BytesWithExact(report.peak_mapped_bytes);
  if (report.peak_mapped_bytes != 0) out << " at " << HumanDuration(report.peak_mapped_time_ns);
  if (report.rss_at_heap_peak_bytes) {
    out << "\nRSS at the heap peak: " << BytesWithExact(*report.rss_at_heap_peak_bytes)
        << " (the last /proc samples before the peak, every "
        << HumanDuration(report.sample_interval_ns) << ")";
  }
  if (report.sampled.present || report.kept.present) {
    out << "\nPeak of heap + mappings: not available in a "
        << (report.sampled.present ? "sampled" : "filtered") << " trace";
  } else {
    out << "\nPeak of heap + mappings: " << BytesWithExact(report.peak_heap_and_mapped_bytes);
  }
  if (report.peak_heap_and_mapped_bytes != 0) {
    out << " at " << HumanDuration(report.peak_heap_and_mapped_time_ns);
  }
  out << "\n";
}

void WritePeakSites(std::ostringstream& out, const Report& report) {
  if (!report.peak_sites.empty() && report.kept.present) {
    out << "Kept allocations live at their own peak ("
        << BytesWithExact(report.kept.kept_peak_bytes) << " at "
        << HumanDuration(report.kept.kept_peak_time_ns) << "), by call site (top "
        << report.peak_sites.size() << " of " << report.peak_site_count << ")";
  } else if (!report.peak_sites.empty()) {
    out << "Live at the peak, by call site (top " << report.peak_sites.size() << " of "
        << report.peak_site_count << ")";
  }
  if (!report.peak_sites.empty()) {
    if (report.sampled.present) {
      out << ", ESTIMATED from the samples live when the samples' own total peaked (each "
             "weighed by 1/probability, +- one standard error)";
    } else if (report.peak_sites_estimated) {
      out << ", ESTIMATED from sampled stacks (each sample weighed by 1/probability; the peak "
             "itself is exact)";
    }
    out << ":\n";
    out << "  #              bytes  of peak   blocks          site\n";
    WriteSites(out, report, true);
  }
}

void WriteLeaks(std::ostringstream& out, const Report& report) {
  if (report.sampled.present) {
    out << "\nLeaks (blocks live when their process ended): "
        << BytesWithExact(report.sampled.live_at_end_bytes)
        << " (usable bytes, exact, from the counters); by call site, ESTIMATED from the samples "
           "still live: "
        << BytesWithExact(report.leaked_bytes) << " in about " << GroupDigits(report.leaked_blocks)
        << " blocks";
  } else if (report.kept.present) {
    out << "\nLeaks (blocks live when their process ended): "
        << BytesWithExact(report.kept.live_at_end_bytes)
        << " (exact); of kept allocations: " << BytesWithExact(report.leaked_bytes) << " in "
        << GroupDigits(report.leaked_blocks) << (report.leaked_blocks == 1 ? " block" : " blocks");
  } else {
    out << "\nLeaks (blocks live when their process ended): " << BytesWithExact(report.leaked_bytes)
        << " in " << GroupDigits(report.leaked_blocks)
        << (report.leaked_blocks == 1 ? " block" : " blocks");
  }
  if (report.suppressed_leaked_bytes != 0) {
    out << " (plus " << BytesWithExact(report.suppressed_leaked_bytes) << " suppressed)";
  }
  out << "\n";
  for (size_t i = 0; i < report.leak_sites.size(); ++i) {
    const CallSite& site = report.leak_sites[i];
    out << "  #" << i + 1 << "  " << GroupDigits(site.bytes) << " bytes in "
        << GroupDigits(site.allocations) << (site.allocations == 1 ? " block  " : " blocks  ")
        << FrameText(site.location) << StandardError(site.bytes_variance) << "\n";
  }
}

void WriteTemporaries(std::ostringstream& out, const Report& report) {
  if (report.sampled.present) {
    out << "Temporary allocations: not available in a sampled trace (they need every "
           "allocation)\n";
  } else {
    out << "Temporary allocations (freed by their thread before it allocated again): "
        << GroupDigits(report.temporary_allocations) << " of "
        << GroupDigits(report.kept.present ? report.kept.allocations_kept
                                           : report.totals.allocations)
        << (report.kept.present ? " kept allocations" : "") << "\n";
  }
  for (size_t i = 0; i < report.temporary_sites.size(); ++i) {
    const SiteCount& count = report.temporary_sites[i];
    out << "  #" << i + 1 << "  " << GroupDigits(count.allocations) << " temporary  "
        << FrameText(count.site.location) << "\n";
  }
}

// The call sites that allocated most often and most bytes.
void WriteTopSites(std::ostringstream& out, const Report& report) {
  // Sampled traces with exact caller counts: sites whose figures are estimates are marked one
  // by one (" ± standard error", or "~" without variance) instead of the whole section.
  const bool exact_callers = report.sampled.present &&
                             report.sampled.images_with_exact_callers == report.sampled.images &&
                             report.sampled.images != 0;
  const char* estimated = exact_callers            ? ", EXACT counts unless marked +-"
                          : report.sampled.present ? ", ESTIMATED from the samples"
                          : report.kept.present    ? ", of the kept allocations"
                                                   : "";
  out << "Most allocations (calls)" << estimated << ":\n";
  for (size_t i = 0; i < report.top_sites_by_calls.size(); ++i) {
    const SiteCount& count = report.top_sites_by_calls[i];
    out << "  #" << i + 1 << "  " << GroupDigits(count.allocations)
        << (count.allocations == 1 ? " call, " : " calls, ") << BytesWithExact(count.bytes)
        << StandardError(count.bytes_variance) << "  " << FrameText(count.site.location) << "\n";
  }
  out << "Most bytes allocated" << estimated << ":\n";
  for (size_t i = 0; i < report.top_sites_by_bytes.size(); ++i) {
    const SiteCount& count = report.top_sites_by_bytes[i];
    out << "  #" << i + 1 << "  " << BytesWithExact(count.bytes)
        << StandardError(count.bytes_variance) << " in " << GroupDigits(count.allocations)
        << (count.allocations == 1 ? " call  " : " calls  ") << FrameText(count.site.location)
        << "\n";
  }
}

void WriteStackSamples(std::ostringstream& out, const Report& report) {
  if (report.stack_samples.total == 0) return;
  const StackSamples& samples = report.stack_samples;
  out << "\nStack samples: " << GroupDigits(samples.total);
  if (samples.unwind_failed != 0) {
    out << " (" << GroupDigits(samples.unwind_failed) << " could not be unwound)";
  }
  out << "; where the threads were:\n";
  for (size_t i = 0; i < samples.top.size(); ++i) {
    const SampledFunction& function = samples.top[i];
    out << "  #" << i + 1 << "  " << GroupDigits(function.samples)
        << (function.samples == 1 ? " sample (" : " samples (")
        << function.samples * 100 / samples.total << "%)  " << FrameText(function.location) << "\n";
  }
}

// Event counts over the whole trace, and what could not be recorded.
void WriteTotals(std::ostringstream& out, const Report& report) {
  out << "\nTotals: " << GroupDigits(report.totals.allocations) << " allocations, "
      << GroupDigits(report.totals.frees) << " frees, "
      << BytesWithExact(report.totals.bytes_allocated) << " allocated";
  if (report.sampled.present) {
    out << " (exact, from the shim's counters); usable bytes: "
        << BytesWithExact(report.sampled.usable_bytes_allocated) << " allocated, "
        << BytesWithExact(report.sampled.usable_bytes_freed) << " freed, "
        << BytesWithExact(report.sampled.live_at_end_bytes) << " live at the end";
  }
  out << "\n";
  out << "Mappings: " << GroupDigits(report.mapping_totals.mmaps) << " mmaps, "
      << GroupDigits(report.mapping_totals.munmaps) << " munmaps, "
      << GroupDigits(report.mapping_totals.mremaps) << " mremaps, "
      << GroupDigits(report.mapping_totals.brks) << " brk/sbrk\n";
  if (report.totals.untracked_frees != 0) {
    out << "  " << GroupDigits(report.totals.untracked_frees)
        << " frees of blocks memwrap never saw allocated (before tracing started, or inside "
           "its hook), not counted as frees\n";
  }
  if (report.stacks_not_interned != 0) {
    out << "  " << GroupDigits(report.stacks_not_interned)
        << " events have no call stack: the shim's stack table was full\n";
  }
  if (report.untracked_nested_calls != 0) {
    out << "  " << GroupDigits(report.untracked_nested_calls)
        << " calls made inside memwrap's hook (its unwinder, or a signal handler) were not "
           "recorded\n";
  }
  out << "Lost events: " << GroupDigits(report.lost_events);
  if (report.lost_bytes != 0) {
    out << " (plus " << GroupDigits(report.lost_bytes)
        << " ring bytes that could not be read: events were lost, their number is unknown)";
  }
  out << "\n";
}

void WriteProcess(std::ostringstream& out, const ProcessReport& process) {
  out << "  pid " << process.pid << "  " << process.command << "\n      " << EndText(process)
      << ", heap peak " << BytesWithExact(process.peak_heap_bytes);
  if (process.sampled_counters) {
    out << " +- " << BytesWithExact(process.sampled_counters->peak_bound_bytes) << " usable";
  }
  out << ", " << GroupDigits(process.counters.allocations) << " allocations"
      << (process.heap_recorded ? "" : " (heap not recorded: no shim in this process)") << "\n";
  if (!process.heap_recorded && process.peak_mapped_bytes != 0) {
    // Without the shim, the mappings come from the traced system calls: malloc's included.
    out << "      mapped peak " << BytesWithExact(process.peak_mapped_bytes)
        << " (from its recorded mmap/munmap/mremap/brk system calls, its heap's included)\n";
  }
  for (const ThreadReport& thread : process.threads) {
    out << "      thread " << thread.tid << ": " << GroupDigits(thread.totals.allocations)
        << " allocations, " << GroupDigits(thread.totals.frees) << " frees, "
        << BytesWithExact(thread.totals.bytes_allocated) << "\n";
  }
  if (!process.peak_rss_source.empty()) {
    const bool at_exit = process.peak_rss_source == "exit";
    const bool less_memwrap = at_exit ? process.memwrap_rss_bytes.has_value()
                                      : process.memwrap_peak_rss_bytes.has_value();
    out << "      peak RSS " << BytesWithExact(process.peak_rss_bytes)
        << (at_exit ? " (the kernel's peak at exit, VmHWM"
                    : " (VmHWM at the last sample: a lower bound")
        << (less_memwrap ? ", less memwrap's own memory)" : ")") << "\n";
  }
  if (process.memwrap_peak_rss_bytes) {
    out << "      memwrap's own resident memory (its ring and tables, left out): ";
    if (process.memwrap_rss_bytes) out << HumanBytes(*process.memwrap_rss_bytes) << " at exit, ";
    out << HumanBytes(*process.memwrap_peak_rss_bytes) << " at most\n";
  }
}

}  // namespace

std::string FormatReportText(const Report& report) {
  std::ostringstream out;
  WriteHeader(out, report);
  WritePeaks(out, report);
  WritePeakSites(out, report);
  WriteLeaks(out, report);
  WriteTemporaries(out, report);
  WriteTopSites(out, report);
  WriteStackSamples(out, report);
  WriteTotals(out, report);
  out << "\nProcesses:\n";
  for (const ProcessReport& process : report.processes) WriteProcess(out, process);
  return out.str();
}

std::string FormatRunSummary(const Report& report, size_t top) {
  std::ostringstream out;
  out << "memwrap: peak heap " << BytesWithExact(report.peak_heap_bytes);
  if (report.sampled.present) {
    out << " +- " << BytesWithExact(report.sampled.peak_bound_bytes)
        << " (sampled trace: usable bytes, exact within that bound)";
  } else {
    out << " at " << HumanDuration(report.peak_heap_time_ns);
  }
  out << "; " << GroupDigits(report.totals.allocations) << " allocations";
  if (report.kept.present) {
    out << " (" << GroupDigits(report.kept.allocations_kept) << " kept by --keep-stacks-if)";
  }
  out << ", " << GroupDigits(report.lost_events) << " lost events";
  if (report.lost_bytes != 0) {
    out << " (plus " << GroupDigits(report.lost_bytes)
        << " unreadable ring bytes: an unknown number of events was lost)";
  }
  out << "\n";
  for (const std::string& warning : report.warnings) out << "memwrap: warning: " << warning << "\n";
  if (!report.peak_sites.empty()) {
    out << (report.kept.present ? "memwrap: top call sites of the kept allocations at their own "
                                  "peak"
                                : "memwrap: top call sites at the peak")
        << (report.peak_sites_estimated ? " (bytes and blocks ESTIMATED from sampled stacks)" : "")
        << ":\n";
    Report shown = report;
    if (shown.peak_sites.size() > top) shown.peak_sites.resize(top);
    WriteSites(out, shown, false);
  }
  out << "memwrap: trace written to " << report.trace_path << " (memwrap report "
      << report.trace_path << ")\n";
  return out.str();
}

}  // namespace memwrap
