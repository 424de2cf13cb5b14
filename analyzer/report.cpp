#include "analyzer/report.h"

#include <ctype.h>
#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

#include "analyzer/peak_analysis.h"
#include "analyzer/sampled_threads.h"
#include "analyzer/system_samples.h"
#include "analyzer/trace_stream.h"
#include "fileio/input_file.h"
#include "memwrap/session_info_keys.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_reader.h"

namespace memwrap {

namespace {

RecordingMode RecordingModeOf(const std::map<std::string, std::string>& session) {
  RecordingMode mode;
  auto text = [&](const char* key, std::string* out) {
    auto it = session.find(key);
    if (it != session.end()) *out = it->second;
  };
  auto number = [&](const char* key) -> uint64_t {
    auto it = session.find(key);
    if (it == session.end()) return 0;
    char* end = nullptr;
    uint64_t value = strtoull(it->second.c_str(), &end, 10);
    return end != nullptr && *end == '\0' ? value : 0;
  };
  text(session_key::kStacks, &mode.stacks);
  text(session_key::kOnFull, &mode.on_full);
  text(session_key::kBuffers, &mode.buffers);
  mode.sample_bytes = number(session_key::kSampleBytes);
  mode.stack_depth = uint32_t(number(session_key::kStackDepth));
  mode.ring_bytes = number(session_key::kRingBytes);
  // A sampled trace whose mean is missing cannot be weighed: report it unweighted as sampled.
  if (mode.stacks == "sampled" && mode.sample_bytes == 0) mode.stacks = "sampled-unknown-rate";
  return mode;
}

}  // namespace

namespace {

// Leak suppressions: one glob per line (an optional "leak:" prefix, as in LeakSanitizer's
// files), matched against the function and the file of every frame of a leak's stack; '#'
// starts a comment.
std::vector<std::string> ReadSuppressions(const std::string& path) {
  std::vector<std::string> patterns;
  if (path.empty()) return patterns;
  std::string text;
  if (std::string reason; !ReadRegularFile(path, &text, &reason)) {
    throw TraceError(TraceError::Kind::kIo, "cannot read suppressions '" + path + "': " + reason);
  }
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    while (!line.empty() && isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    line = line.substr(start);
    if (line.rfind("leak:", 0) == 0) line = line.substr(5);
    if (!line.empty()) patterns.push_back(line);
  }
  return patterns;
}

bool Suppressed(const std::vector<SourceFrame>& frames, const std::vector<std::string>& patterns) {
  for (const SourceFrame& frame : frames) {
    for (const std::string& pattern : patterns) {
      if (fnmatch(pattern.c_str(), frame.function.c_str(), 0) == 0 ||
          (!frame.file.empty() && fnmatch(pattern.c_str(), frame.file.c_str(), 0) == 0)) {
        return true;
      }
    }
  }
  return false;
}

// The images of a sampled-only trace whose caller totals are exact (caller_totals.h).
ExactCallers ExactCallersOf(const TraceCatalog& catalog) {
  ExactCallers exact;
  for (const ProcessImage& image : catalog.images()) {
    if (image.CallerTotalsExact()) exact[image.id] = &image.caller_totals;
  }
  return exact;
}

// Every site with a nonzero `count`, by that count (descending); stacks not filled. `exact`:
// sampled-only traces' exact caller totals (weighed is then true), else nullptr.
std::vector<SiteCount> SitesByCount(
    CallSiteResolver* resolver, const std::map<std::pair<ImageId, StackId>, StackTotals>& totals,
    uint64_t StackTotals::*count, bool weighed, const ExactCallers* exact = nullptr) {
  std::map<std::pair<ImageId, StackId>, StackUsage> usage;
  for (const auto& [key, total] : totals) {
    if (total.*count == 0) continue;
    usage[key] = {total.bytes_allocated, total.*count};
    if (weighed) {
      // Sampled-only traces: the estimates (sampled_weight.h), not the samples' own counts.
      usage[key] = {uint64_t(std::llround(total.estimated_bytes)),
                    uint64_t(std::llround(total.estimated_allocations)), total.bytes_variance};
    }
  }
  std::vector<SiteCount> sites;
  for (CallSite& site : resolver->Resolve(usage, exact)) {
    SiteCount entry;
    entry.allocations = site.allocations;
    entry.bytes = site.bytes;
    entry.bytes_variance = site.bytes_variance;
    if (exact != nullptr) entry.exact_counts = site.exact_counts;
    entry.site = std::move(site);
    sites.push_back(std::move(entry));
  }
  std::stable_sort(sites.begin(), sites.end(), [](const SiteCount& a, const SiteCount& b) {
    return a.allocations > b.allocations;
  });
  return sites;
}

// Keeps the first `top` sites and symbolizes their stacks: only those are shown.
void KeepTop(CallSiteResolver* resolver, size_t top, std::vector<SiteCount>* sites) {
  if (sites->size() > top) sites->resize(top);
  for (SiteCount& count : *sites) resolver->FillStack(&count.site);
}

void AddWholeRunSections(const HeapAnalysis& analysis, const ReportOptions& options,
                         CallSiteResolver* resolver, Report* report) {
  const std::vector<std::string> patterns = ReadSuppressions(options.suppressions);
  std::map<std::pair<ImageId, StackId>, StackUsage> leaks;
  for (const auto& [key, usage] : analysis.stats.leaked()) {
    if (!patterns.empty() && Suppressed(resolver->Frames(key.first, key.second), patterns)) {
      report->suppressed_leaked_bytes += usage.bytes;
      continue;
    }
    leaks[key] = usage;
    report->leaked_bytes += usage.bytes;
    report->leaked_blocks += usage.blocks;
  }
  report->leak_sites = resolver->Resolve(leaks);
  if (report->leak_sites.size() > options.top) report->leak_sites.resize(options.top);
  resolver->FillStacks(&report->leak_sites);
  // Temporaries need every allocation of a thread in order: a sampled-only trace has not got
  // them, and shows none rather than the samples' few.
  if (!analysis.sampled_only) {
    report->temporary_allocations = analysis.stats.temporary_allocations();
    report->temporary_sites =
        SitesByCount(resolver, analysis.stats.by_stack(), &StackTotals::temporary, false);
    KeepTop(resolver, options.top, &report->temporary_sites);
  }
  const ExactCallers exact = ExactCallersOf(analysis.catalog);
  std::vector<SiteCount> by_calls =
      SitesByCount(resolver, analysis.stats.by_stack(), &StackTotals::allocations,
                   analysis.sampled_only, analysis.sampled_only ? &exact : nullptr);
  // By bytes: the same sites, sorted by bytes allocated (equal bytes: by calls).
  std::vector<SiteCount> by_bytes = by_calls;
  std::stable_sort(by_bytes.begin(), by_bytes.end(),
                   [](const SiteCount& a, const SiteCount& b) { return a.bytes > b.bytes; });
  KeepTop(resolver, options.top, &by_bytes);
  KeepTop(resolver, options.top, &by_calls);
  report->top_sites_by_calls = std::move(by_calls);
  report->top_sites_by_bytes = std::move(by_bytes);
}

// Samples grouped by the function they were taken in; each keeps its most frequent stack.
StackSamples SampledFunctions(const HeapAnalysis& analysis, size_t top,
                              CallSiteResolver* resolver) {
  StackSamples result;
  result.total = analysis.stack_samples_total;
  result.unwind_failed = analysis.stack_samples_failed;
  struct Group {
    SampledFunction function;
    uint64_t heaviest_stack_samples = 0;
    std::optional<std::pair<ImageId, StackId>> heaviest;  // its stack is symbolized if shown
  };
  // By function, file, module.
  std::map<std::tuple<std::string, std::string, std::string>, Group> by_function;
  for (const auto& [key, samples] : analysis.stack_samples) {
    std::optional<SourceFrame> innermost = resolver->InnermostFrame(key.first, key.second);
    if (!innermost) continue;
    Group& group = by_function[{innermost->function, innermost->file, innermost->module}];
    group.function.samples += samples;
    if (samples > group.heaviest_stack_samples) {
      group.heaviest_stack_samples = samples;
      group.function.location = *innermost;
      group.heaviest = key;
    }
  }
  std::vector<Group> groups;
  for (auto& [key, group] : by_function) groups.push_back(std::move(group));
  std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
    return a.function.samples > b.function.samples;
  });
  if (groups.size() > top) groups.resize(top);
  for (Group& group : groups) {
    if (group.heaviest) {
      group.function.stack = resolver->Frames(group.heaviest->first, group.heaviest->second);
    }
    result.top.push_back(std::move(group.function));
  }
  return result;
}

// A sampled image's exact per-thread figures (format 1.6 on), added to its process's: a tid
// that lives on across exec (the main thread) sums its images'. Only when they add up to the
// image's final counters: a flight recorder's window may have lost the records of threads
// that ended before it, and a partial list would pass for the whole.
void AddSampledThreads(const ProcessImage& image, ProcessReport* process) {
  if (!image.heap_counters || (image.heap_counters->h.flags & kHeapCountersFinal) == 0) return;
  const auto threads = SampledThreads(image.thread_counters);
  uint64_t allocations = 0, bytes = 0;
  for (const auto& [tid, totals] : threads) {
    allocations += totals.allocations;
    bytes += totals.bytes_allocated;
  }
  if (allocations != image.heap_counters->alloc_count ||
      bytes != image.heap_counters->alloc_bytes) {
    return;
  }
  for (const auto& [tid, totals] : threads) {
    auto same = std::find_if(process->threads.begin(), process->threads.end(),
                             [tid = tid](const ThreadReport& thread) { return thread.tid == tid; });
    if (same == process->threads.end()) {
      process->threads.push_back({tid, totals});
      continue;
    }
    same->totals.allocations += totals.allocations;
    same->totals.frees += totals.frees;
    same->totals.bytes_allocated += totals.bytes_allocated;
  }
  std::sort(process->threads.begin(), process->threads.end(),
            [](const ThreadReport& a, const ThreadReport& b) { return a.tid < b.tid; });
}

// Times are reported from the moment the trace was created (just before the program started),
// so they read as "seconds into the run".
uint64_t SinceStart(const Report& report, uint64_t ts) {
  return ts > report.start_monotonic_ns ? ts - report.start_monotonic_ns : 0;
}

// Sampled-only traces: the exact counts, totals and peak from the images' counters replace
// the replay's, which are the samples' own.
void ApplySampledCounters(const HeapAnalysis& analysis, Report* report,
                          std::map<uint32_t, ProcessReport>* by_pid) {
  SampledHeap& sampled = report->sampled;
  sampled.present = true;
  sampled.sample_bytes = report->recording.sample_bytes;
  sampled.samples = analysis.totals.allocations;
  // A pid's figures are its images' (exec starts a new one): summed, the peak the largest.
  for (const ProcessImage& image : analysis.catalog.images()) {
    auto process = by_pid->find(image.pid);
    if (image.heap_counters && process != by_pid->end()) {
      process->second.counters = HeapCounters{};
      process->second.peak_heap_bytes = 0;
    }
  }
  for (const ProcessImage& image : analysis.catalog.images()) {
    if (!image.heap_counters) continue;
    const HeapCountersRecord& counters = *image.heap_counters;
    sampled.final &= (counters.h.flags & kHeapCountersFinal) != 0;
    ++sampled.images;
    if (image.CallerTotalsExact()) ++sampled.images_with_exact_callers;
    sampled.allocations += counters.alloc_count;
    sampled.bytes_allocated += counters.alloc_bytes;
    sampled.usable_bytes_allocated += counters.alloc_usable_bytes;
    sampled.frees += counters.free_count;
    sampled.usable_bytes_freed += counters.free_usable_bytes;
    if (counters.alloc_usable_bytes > counters.free_usable_bytes) {
      sampled.live_at_end_bytes += counters.alloc_usable_bytes - counters.free_usable_bytes;
    }
    sampled.samples_untracked += counters.samples_untracked;
    if (counters.peak_usable_bytes >= sampled.peak_bytes) {
      sampled.peak_bytes = counters.peak_usable_bytes;
      sampled.peak_bound_bytes = counters.peak_bound_bytes;
      sampled.threads = counters.threads;
      sampled.flush_bytes = counters.flush_bytes;
    }
    auto process = by_pid->find(image.pid);
    if (process == by_pid->end()) continue;
    ProcessReport& entry = process->second;
    entry.counters.allocations += counters.alloc_count;
    entry.counters.frees += counters.free_count;
    entry.counters.bytes_allocated += counters.alloc_bytes;
    if (!entry.sampled_counters || counters.peak_usable_bytes >= entry.peak_heap_bytes) {
      entry.sampled_counters = counters;  // the image of the pid's peak, and its bound
      entry.peak_heap_bytes = counters.peak_usable_bytes;
    }
    AddSampledThreads(image, &entry);
    entry.peak_heap_time_ns = 0;           // the counters do not say when
    entry.rss_at_heap_peak_bytes.reset();  // nor, so, what the RSS was then
  }
  report->totals.allocations = sampled.allocations;
  report->totals.frees = sampled.frees;
  report->totals.bytes_allocated = sampled.bytes_allocated;
  report->peak_heap_bytes = sampled.peak_bytes;
  report->peak_heap_time_ns = 0;
  report->peak_live_blocks = 0;            // not known: only sampled blocks are in the trace
  report->peak_heap_and_mapped_bytes = 0;  // the sum needs every event's time
  report->peak_heap_and_mapped_time_ns = 0;
  report->rss_at_heap_peak_bytes.reset();
}

// --keep-stacks-if traces: the collector's exact figures of every event replace the replay's,
// which are the kept allocations' own.
void ApplyCountedFigures(const HeapAnalysis& analysis, Report* report,
                         std::map<uint32_t, ProcessReport>* by_pid) {
  KeptHeap& kept = report->kept;
  kept.present = true;
  kept.expression = report->session[session_key::kKeepStacksIf];
  kept.allocations_kept = analysis.totals.allocations;
  kept.kept_peak_bytes = report->peak_heap_bytes;
  kept.kept_peak_time_ns = report->peak_heap_time_ns;
  for (const ProcessImage& image : analysis.catalog.images()) {
    auto process = by_pid->find(image.pid);
    if (image.heap_counters && process != by_pid->end()) {
      process->second.counters = HeapCounters{};
      process->second.peak_heap_bytes = 0;
      process->second.peak_heap_time_ns = 0;
      process->second.rss_at_heap_peak_bytes.reset();  // was taken at the kept peak
    }
  }
  HeapCounters totals;
  uint64_t peak = 0, peak_ts = 0;
  for (const ProcessImage& image : analysis.catalog.images()) {
    if (!image.heap_counters || (image.heap_counters->h.flags & kHeapCountersCounted) == 0) {
      continue;
    }
    const HeapCountersRecord& counters = *image.heap_counters;
    HeapCounters counted;
    counted.allocations = counters.alloc_count;
    counted.frees = counters.free_count;
    counted.bytes_allocated = counters.alloc_bytes;
    counted.untracked_frees = counters.untracked_frees;
    counted.replaced_live_blocks = counters.replaced_live_blocks;
    totals += counted;
    if (counters.alloc_usable_bytes > counters.free_usable_bytes) {
      kept.live_at_end_bytes += counters.alloc_usable_bytes - counters.free_usable_bytes;
    }
    if (counters.all_images_peak_bytes > peak) {
      peak = counters.all_images_peak_bytes;
      peak_ts = counters.all_images_peak_ts_ns;
    }
    auto process = by_pid->find(image.pid);
    if (process == by_pid->end()) continue;
    process->second.counters += counted;
    if (counters.peak_usable_bytes > process->second.peak_heap_bytes) {
      process->second.peak_heap_bytes = counters.peak_usable_bytes;
      process->second.peak_heap_time_ns = SinceStart(*report, counters.peak_ts_ns);
    }
  }
  report->totals = totals;
  report->peak_heap_bytes = peak;
  report->peak_heap_time_ns = peak != 0 ? SinceStart(*report, peak_ts) : 0;
  report->peak_live_blocks = 0;            // not counted
  report->peak_heap_and_mapped_bytes = 0;  // the sum needs every event in the trace
  report->peak_heap_and_mapped_time_ns = 0;
  report->rss_at_heap_peak_bytes.reset();  // the replay's was at the kept peak
}

// The pass over the trace. The debug information of the modules loaded by the first allocation
// (the program and its libraries) is read on another thread while the pass goes on. The exit
// summary names call sites only, which are never in the runtime's modules (call_sites.h): their
// debug information (libc's, inflated, is megabytes) is not read for it.
HeapAnalysis AnalyzeForReport(TraceStream& stream, const Report& report,
                              const ReportOptions& options, DebugInfoPreloader* preloader) {
  const bool runtime_debug_info = options.scope == ReportScope::kFull;
  return AnalyzeHeap(
      stream, report.recording.stacks == "sampled" ? report.recording.sample_bytes : 0,
      options.process,
      [&](const TraceCatalog& catalog) {
        std::vector<LoadedModule> modules;
        for (const ProcessImage& image : catalog.images()) {
          for (const LoadedModule& module : image.modules) {
            const std::string name = module.path.substr(module.path.rfind('/') + 1);
            if (runtime_debug_info || !IsRuntimeModule(name)) modules.push_back(module);
          }
        }
        preloader->Start(modules);
      },
      options.scope == ReportScope::kFull);
}

void WarnIfHeapNotRecorded(Report* report) {
  auto missing = report->session.find(session_key::kHeapNotRecorded);
  if (missing == report->session.end()) return;
  report->heap_not_recorded = missing->second;
  report->warnings.push_back("the heap of " + report->session[session_key::kCommand] +
                             " was not recorded: " + missing->second +
                             (report->session[session_key::kSyscalls] == "none"
                                  ? "; nor were its mappings (--syscalls=none)"
                                  : "; its mapped bytes come from the memory system calls "
                                    "recorded, its heap's included"));
}

// The whole run's figures: duration, peaks, totals and losses.
void SetRunFigures(const HeapAnalysis& analysis, Report* report) {
  report->duration_ns = SinceStart(*report, analysis.catalog.last_ts_ns());
  report->peak_heap_bytes = analysis.peak_bytes;
  report->peak_heap_time_ns =
      analysis.peak_bytes > 0 ? SinceStart(*report, analysis.peak_ts_ns) : 0;
  report->peak_live_blocks = analysis.peak_blocks;
  report->totals = analysis.totals;
  report->lost_events = analysis.catalog.lost_records();
  report->lost_bytes = analysis.catalog.lost_bytes();
  report->peak_sites_estimated = analysis.sampled;
  report->peak_mapped_bytes = analysis.peak_mapped_bytes;
  report->peak_mapped_time_ns =
      analysis.peak_mapped_bytes > 0 ? SinceStart(*report, analysis.peak_mapped_ts_ns) : 0;
  report->peak_heap_and_mapped_bytes = analysis.peak_heap_and_mapped_bytes;
  report->peak_heap_and_mapped_time_ns =
      analysis.peak_heap_and_mapped_bytes > 0
          ? SinceStart(*report, analysis.peak_heap_and_mapped_ts_ns)
          : 0;
  report->mapping_totals = analysis.mapping_totals;
  if (analysis.have_rss_at_heap_peak) report->rss_at_heap_peak_bytes = analysis.rss_at_heap_peak;
  if (auto interval = report->session.find(session_key::kSampleIntervalNs);
      interval != report->session.end()) {
    report->sample_interval_ns = strtoull(interval->second.c_str(), nullptr, 10);
  }
}

// The call sites live at the peak and, for the full report, the whole run's sections.
void AddCallSites(const HeapAnalysis& analysis, const ReportOptions& options,
                  CallSiteResolver* resolver, Report* report) {
  std::vector<CallSite> sites = resolver->Resolve(analysis.live_at_peak);
  report->peak_site_count = sites.size();
  if (sites.size() > options.top) sites.resize(options.top);
  // The exit summary (ReportScope::kRunSummary) prints neither stacks nor whole-run sections.
  if (options.scope == ReportScope::kFull) resolver->FillStacks(&sites);
  report->peak_sites = std::move(sites);
  if (options.scope == ReportScope::kFull) {
    AddWholeRunSections(analysis, options, resolver, report);
    report->stack_samples = SampledFunctions(analysis, options.top, resolver);
  }
}

// What an image's /proc samples say of its pid's resident memory; returns what they say of the
// peak at exit.
OwnPeakRss AddImageRss(const HeapAnalysis::ImageRss& rss, ProcessReport* process) {
  if (rss.max_hwm > process->peak_rss_bytes) {
    process->peak_rss_bytes = rss.max_hwm;
    process->peak_rss_source = "sampled";
  }
  if (const auto& memwrap = rss.max_memwrap_rss; memwrap) {
    process->memwrap_peak_rss_bytes =
        std::max(process->memwrap_peak_rss_bytes.value_or(0), *memwrap);
  }
  if (rss.have_at_heap_peak) {
    process->rss_at_heap_peak_bytes = rss.at_heap_peak;
    process->rss_at_heap_peak_age_ns = rss.at_heap_peak_age_ns;
  }
  return rss.own_peak;
}

// One image's figures added to its pid's entry (an exec'd pid has several images).
void AddImage(const HeapAnalysis& analysis, const ProcessImage& image, Report* report,
              ProcessReport* process, OwnPeakRss* last_image_peak) {
  *last_image_peak = OwnPeakRss{};
  process->pid = image.pid;
  process->ppid = image.ppid;
  process->exe = image.exe;
  process->command = image.Command();
  process->heap_recorded |= image.has_shim;
  process->untracked_nested_calls += image.untracked_nested_calls;
  report->untracked_nested_calls += image.untracked_nested_calls;
  process->stacks_not_interned += image.stacks_not_interned;
  report->stacks_not_interned += image.stacks_not_interned;
  auto counters = analysis.counters_by_image.find(image.id);
  if (counters != analysis.counters_by_image.end()) {
    process->counters += counters->second;
  }
  auto mapping_counters = analysis.mapping_counters_by_image.find(image.id);
  if (mapping_counters != analysis.mapping_counters_by_image.end()) {
    process->mapping_counters += mapping_counters->second;
  }
  if (auto rss = analysis.rss_by_image.find(image.id); rss != analysis.rss_by_image.end()) {
    *last_image_peak = AddImageRss(rss->second, process);
  }
  auto mapped = analysis.peak_mapped_by_image.find(image.id);
  if (mapped != analysis.peak_mapped_by_image.end() &&
      mapped->second > process->peak_mapped_bytes) {
    process->peak_mapped_bytes = mapped->second;
  }
  auto peak = analysis.peak_by_image.find(image.id);
  if (peak != analysis.peak_by_image.end() && peak->second.first > process->peak_heap_bytes) {
    process->peak_heap_bytes = peak->second.first;
    process->peak_heap_time_ns = SinceStart(*report, peak->second.second);
  }
}

// A process that ended without ever reaching its shim (killed early, static binary) is still
// listed, with the command memwrap started.
void AddProcessesWithoutImage(const HeapAnalysis& analysis, const Report& report,
                              std::map<uint32_t, ProcessReport>* by_pid) {
  for (const auto& [pid, end] : analysis.catalog.ends()) {
    if (by_pid->count(pid) != 0) continue;
    ProcessReport& process = (*by_pid)[pid];
    process.pid = pid;
    auto command = report.session.find(session_key::kCommand);
    if (command != report.session.end()) process.command = command->second;
  }
}

// The exit status and the kernel's peak RSS at exit. That peak is reported less memwrap's share
// at exit, raised by the samples where that share grew after the program's peak
// (own_peak_rss.h). Traces that do not say what memwrap's share was keep the exit's figure.
void AddProcessEnd(const HeapAnalysis& analysis, uint32_t pid, const OwnPeakRss& last_image_peak,
                   ProcessReport* process) {
  process->end = analysis.catalog.End(pid);
  if (!process->end || process->end->max_rss_bytes == 0) return;
  process->peak_rss_bytes = process->end->max_rss_bytes;
  process->peak_rss_source = "exit";
  if (const auto& memwrap = process->end->memwrap_rss_bytes; memwrap) {
    process->peak_rss_bytes = last_image_peak.AtExit(process->end->max_rss_bytes, *memwrap);
    process->memwrap_rss_bytes = memwrap;
    process->memwrap_peak_rss_bytes =
        std::max(process->memwrap_peak_rss_bytes.value_or(0), *memwrap);
  }
}

// One entry per pid; a pid that exec'd shows its last image's command and all its counts.
void AddProcesses(const HeapAnalysis& analysis, Report* report) {
  std::map<uint32_t, ProcessReport> by_pid;
  std::map<uint32_t, OwnPeakRss> last_image_peak;  // by pid: what its last image's samples say
  for (const ProcessImage& image : analysis.catalog.images()) {
    AddImage(analysis, image, report, &by_pid[image.pid], &last_image_peak[image.pid]);
  }
  AddProcessesWithoutImage(analysis, *report, &by_pid);
  // Per-thread totals come from the events; a sampled-only trace has only the samples', so
  // its come from its per-thread counters instead (ApplySampledCounters; none before 1.6).
  const bool kept_only = report->session.count(session_key::kKeepStacksIf) != 0;
  for (const auto& [key, totals] : analysis.stats.by_thread()) {
    if (analysis.sampled_only || kept_only) break;
    auto process = by_pid.find(key.first);
    if (process != by_pid.end()) process->second.threads.push_back({key.second, totals});
  }
  if (analysis.sampled_only) ApplySampledCounters(analysis, report, &by_pid);
  if (kept_only) ApplyCountedFigures(analysis, report, &by_pid);
  for (auto& [pid, process] : by_pid) {
    AddProcessEnd(analysis, pid, last_image_peak[pid], &process);
    report->processes.push_back(std::move(process));
  }
}

}  // namespace

Report BuildReport(const std::string& trace_path, const ReportOptions& options) {
  TraceReader reader(trace_path);
  TraceStream stream(&reader);
  // No program, no heap: a heap report (check, diff, baseline) would be all zeros.
  RefuseSystemLog(trace_path, stream.session_info());

  Report report;
  report.trace_path = trace_path;
  report.session = stream.session_info();
  report.recording = RecordingModeOf(report.session);
  report.process_filter = options.process;
  DebugInfoPreloader preloader;
  HeapAnalysis analysis = AnalyzeForReport(stream, report, options, &preloader);
  report.warnings = stream.warnings();
  report.ending = stream.ending();
  WarnIfHeapNotRecorded(&report);
  report.start_monotonic_ns = stream.header().created_monotonic_ns;
  SetRunFigures(analysis, &report);

  CallSiteResolver resolver(analysis.catalog, &preloader);
  AddCallSites(analysis, options, &resolver, &report);
  AddProcesses(analysis, &report);
  return report;
}

}  // namespace memwrap
