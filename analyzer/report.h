// The heap report of one trace: the data behind `memwrap report` (text and JSON) and the
// summary `memwrap run` prints at exit. JSON keys: docs/report-json.md.
#pragma once

#include <stdint.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/allocation_stats.h"
#include "analyzer/call_sites.h"
#include "analyzer/trace_catalog.h"
#include "replay/heap_replay.h"
#include "replay/mapping_replay.h"
#include "tracefile/trace_ending.h"

namespace memwrap {

// How much of the report to build. The summary `memwrap run` prints at exit shows only the
// peak's top sites; symbolizing the call sites of every stack of the run for the other
// sections would only make the user wait.
enum class ReportScope {
  kFull,
  // Only what FormatRunSummary prints: the figures, and the peak's top sites without their
  // stacks. Leak, temporary and whole-run sections, stacks, stack samples and per-thread
  // totals stay empty (and are not computed).
  kRunSummary,
};

struct ReportOptions {
  size_t top = 10;           // call sites listed in each section
  uint32_t process = 0;      // only this pid's records (0: all)
  std::string suppressions;  // a leak suppression file ("" none); see docs/report-json.md
  ReportScope scope = ReportScope::kFull;
};

// Call sites with a count that is not "bytes live at the peak": whole-run totals.
struct SiteCount {
  CallSite site;              // location and heaviest stack
  uint64_t allocations = 0;   // calls (or temporary allocations, for temporary_sites)
  uint64_t bytes = 0;         // bytes allocated by those calls
  double bytes_variance = 0;  // sampled-only traces: of the estimate `bytes`; 0 when exact
  // Sampled-only traces: true when `allocations` and `bytes` are exact counts (caller totals,
  // analyzer/caller_totals.h), false when samples were weighed into them; unset elsewhere.
  std::optional<bool> exact_counts;
};

// A trace recorded with --stacks=sampled from format 1.4 on holds only the sampled
// allocations and their frees; its exact figures are the shim's counters (HEAP_COUNTERS,
// memwrap/records.h), summed over the images here. Bytes freed and the live heap are usable
// bytes (what malloc_usable_size says), bytes allocated the requested sizes.
struct SampledHeap {
  bool present = false;
  bool final = true;  // every image's counters were read after it ended (else: a lower bound)
  uint64_t allocations = 0;
  uint64_t bytes_allocated = 0;
  uint64_t usable_bytes_allocated = 0;
  uint64_t frees = 0;
  uint64_t usable_bytes_freed = 0;
  uint64_t live_at_end_bytes = 0;  // usable bytes live when the images ended
  // The largest image's heap peak in usable bytes; the true peak is within +- peak_bound_bytes
  // (threads x flush_bytes: per-thread changes below flush_bytes were not yet in the total).
  uint64_t peak_bytes = 0;
  uint64_t peak_bound_bytes = 0;
  uint32_t threads = 0;
  uint32_t flush_bytes = 0;
  uint64_t sample_bytes = 0;
  uint64_t samples = 0;            // sampled allocations in the trace
  uint64_t samples_untracked = 0;  // samples the shim could not keep (its set was full)
  // Images whose caller totals add up to their counters (format 1.7 on), and all images with
  // heap counters: when equal and not 0, every allocation's caller was counted exactly.
  uint64_t images_with_exact_callers = 0;
  uint64_t images = 0;
};

// A trace recorded with --keep-stacks-if (format 1.5) holds only the allocations the expression
// kept, with their frees; the collector counted every event into HEAP_COUNTERS records
// (kHeapCountersCounted, memwrap/records.h), whose exact figures replace the replay's totals and
// peak. Call sites, leaks by site and temporaries cover the kept allocations only.
struct KeptHeap {
  bool present = false;
  std::string expression;
  uint64_t allocations_kept = 0;  // allocations the trace holds
  // The kept allocations' own peak, where `peak_sites` are taken (the true peak may be at
  // another instant, made of allocations that were not kept).
  uint64_t kept_peak_bytes = 0;
  uint64_t kept_peak_time_ns = 0;
  uint64_t live_at_end_bytes = 0;  // every allocation's, exact
};

struct ThreadReport {
  uint32_t tid = 0;
  ThreadTotals totals;
};

struct ProcessReport {
  uint32_t pid = 0;
  uint32_t ppid = 0;
  std::string exe;
  std::string command;         // argv joined by spaces
  bool heap_recorded = false;  // some image of this pid had the shim
  std::optional<ProcessEnd> end;
  uint64_t peak_heap_bytes = 0;
  uint64_t peak_heap_time_ns = 0;
  HeapCounters counters;
  // Sampled-only traces: the counters of the image with the pid's highest peak (its bound).
  std::optional<HeapCountersRecord> sampled_counters;
  uint64_t untracked_nested_calls = 0;
  uint64_t stacks_not_interned = 0;
  uint64_t peak_mapped_bytes = 0;
  MappingCounters mapping_counters;
  // Resident memory, the program's own (memwrap's share left out). peak_rss_source: "exit" =
  // from the kernel's VmHWM at exit (or a sample's, when memwrap's share grew after the
  // program's peak: docs/tracer.md); "sampled" = the largest VmHWM of the /proc samples (a lower
  // bound: growth after the last is not seen); "" = unknown.
  uint64_t peak_rss_bytes = 0;
  std::string peak_rss_source;
  // memwrap's own resident memory in the process, left out of the figures above: at its exit
  // (out of peak_rss_bytes "exit"), and the most seen at a sample or at exit. Unknown in
  // traces that do not say (then it is in them).
  std::optional<uint64_t> memwrap_rss_bytes;
  std::optional<uint64_t> memwrap_peak_rss_bytes;
  std::optional<uint64_t> rss_at_heap_peak_bytes;  // last sample before this process's heap peak
  uint64_t rss_at_heap_peak_age_ns = 0;            // how long before the peak it was taken
  std::vector<ThreadReport> threads;
};

// Where the threads were when the tracer sampled their stacks (--stack-sample-rate): the
// innermost function of each sample, like perf's "self" column.
struct SampledFunction {
  SourceFrame location;  // the innermost source frame (inline frames expanded)
  uint64_t samples = 0;
  std::vector<SourceFrame> stack;  // the stack sampled most often there, innermost first
};

struct StackSamples {
  uint64_t total = 0;                // samples taken, failed unwinds included
  uint64_t unwind_failed = 0;        // samples whose stack could not be unwound
  std::vector<SampledFunction> top;  // by samples, descending (top N)
};

// How the trace was recorded (its session info), as the report states it.
struct RecordingMode {
  std::string stacks = "full";          // full | none | sampled
  std::string on_full = "block";        // block | drop
  std::string buffers = "per-process";  // per-process | per-thread
  uint64_t sample_bytes = 0;            // sampled only
  uint32_t stack_depth = 0;             // 0: not recorded
  uint64_t ring_bytes = 0;              // 0: not recorded
};

struct Report {
  std::string trace_path;
  std::map<std::string, std::string> session;
  uint64_t start_monotonic_ns = 0;  // time origin of every *_time_ns below
  uint64_t duration_ns = 0;
  uint64_t peak_heap_bytes = 0;
  uint64_t peak_heap_time_ns = 0;
  uint64_t peak_live_blocks = 0;
  std::vector<CallSite> peak_sites;   // top N
  size_t peak_site_count = 0;         // all sites with live bytes at the peak
  bool peak_sites_estimated = false;  // sampled stacks: bytes/allocations per site are estimates
  SampledHeap sampled;  // present: the trace holds only samples; the figures below say how
  KeptHeap kept;        // present: the trace holds only the allocations --keep-stacks-if kept
  RecordingMode recording;
  uint64_t peak_mapped_bytes = 0;  // the program's own mappings
  uint64_t peak_mapped_time_ns = 0;
  uint64_t peak_heap_and_mapped_bytes = 0;
  uint64_t peak_heap_and_mapped_time_ns = 0;
  MappingCounters mapping_totals;
  std::optional<uint64_t> rss_at_heap_peak_bytes;  // all processes' last samples before the peak
  // Whole run.
  uint64_t leaked_bytes = 0;  // live when their process image ended (not suppressed)
  uint64_t leaked_blocks = 0;
  uint64_t suppressed_leaked_bytes = 0;  // matched by the suppression file
  std::vector<CallSite> leak_sites;      // top N by bytes
  uint64_t temporary_allocations = 0;
  std::vector<SiteCount> temporary_sites;     // top N by temporary allocations
  std::vector<SiteCount> top_sites_by_calls;  // top N by allocations made
  std::vector<SiteCount> top_sites_by_bytes;  // top N by bytes allocated
  uint32_t process_filter = 0;
  uint64_t sample_interval_ns = 0;
  HeapCounters totals;
  uint64_t lost_events = 0;
  uint64_t lost_bytes = 0;
  uint64_t untracked_nested_calls = 0;
  uint64_t stacks_not_interned = 0;
  std::vector<ProcessReport> processes;
  StackSamples stack_samples;
  std::vector<std::string> warnings;  // e.g. a truncated trace
  TraceEnding ending;                 // whether the trace holds the whole recording
  std::string heap_not_recorded;      // why the program ran without the shim, "" if it did not
};

// Reads and analyses the trace. Throws TraceError when it cannot be read at all.
Report BuildReport(const std::string& trace_path, const ReportOptions& options);

std::string FormatReportText(const Report& report);
std::string FormatReportJson(const Report& report);
// The few lines `memwrap run` prints at exit.
std::string FormatRunSummary(const Report& report, size_t top);

}  // namespace memwrap
