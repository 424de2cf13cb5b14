// JSON form of the report. Every key is documented in docs/report-json.md; scripts depend on
// them, so keys are only ever added, never renamed.
#include <cmath>
#include <nlohmann/json.hpp>

#include "analyzer/report.h"

namespace memwrap {
namespace {

using nlohmann::json;

json FrameJson(const SourceFrame& frame) {
  json out;
  out["function"] = frame.function;
  out["file"] = frame.file.empty() ? json(nullptr) : json(frame.file);
  out["line"] = frame.line == 0 ? json(nullptr) : json(frame.line);
  out["module"] = frame.module;
  out["inlined"] = frame.inlined;
  out["address"] = frame.address;
  return out;
}

json SiteJson(const CallSite& site) {
  json out = FrameJson(site.location);
  out.erase("inlined");
  out["bytes"] = site.bytes;
  out["allocations"] = site.allocations;
  // Sampled-only traces: the estimate's standard error (report.h, SampledHeap).
  if (site.bytes_variance > 0)
    out["bytes_standard_error"] = std::llround(std::sqrt(site.bytes_variance));
  out["stack"] = json::array();
  for (const SourceFrame& frame : site.stack) out["stack"].push_back(FrameJson(frame));
  return out;
}

// A whole-run site: its location, its heaviest stack, the calls and the bytes they allocated.
json SiteCountJson(const SiteCount& count, const char* calls_key) {
  json out = SiteJson(count.site);
  out.erase("bytes");
  out.erase("allocations");
  out[calls_key] = count.allocations;
  out["bytes_allocated"] = count.bytes;
  out.erase("bytes_standard_error");
  if (count.bytes_variance > 0) {
    out["bytes_allocated_standard_error"] = std::llround(std::sqrt(count.bytes_variance));
  }
  if (count.exact_counts) out["exact_counts"] = *count.exact_counts;
  return out;
}

json SiteCountsJson(const std::vector<SiteCount>& counts, const char* calls_key) {
  json out = json::array();
  for (const SiteCount& count : counts) out.push_back(SiteCountJson(count, calls_key));
  return out;
}

json CountersJson(const HeapCounters& counters, const MappingCounters& mappings) {
  return {{"allocations", counters.allocations},
          {"frees", counters.frees},
          {"bytes_allocated", counters.bytes_allocated},
          {"untracked_frees", counters.untracked_frees},
          {"replaced_live_blocks", counters.replaced_live_blocks},
          {"mmaps", mappings.mmaps},
          {"munmaps", mappings.munmaps},
          {"mremaps", mappings.mremaps},
          {"brks", mappings.brks},
          {"bytes_mapped", mappings.bytes_mapped}};
}

json ProcessJson(const ProcessReport& process) {
  json out;
  out["pid"] = process.pid;
  out["ppid"] = process.ppid;
  out["command"] = process.command;
  out["exe"] = process.exe;
  if (process.end && process.end->kind == ExitKind::kExited) {
    out["exit_code"] = process.end->status;
  } else if (process.end && process.end->kind == ExitKind::kSignaled) {
    out["term_signal"] = process.end->status;
  } else {
    out["exit_code"] = nullptr;  // not observed (a descendant memwrap did not wait for)
  }
  out["peak_heap_bytes"] = process.peak_heap_bytes;
  out["peak_heap_time_ns"] = process.peak_heap_time_ns;
  out["peak_heap_bound_bytes"] = 0;
  if (process.sampled_counters) {
    out["peak_heap_time_ns"] = nullptr;  // not recorded in a sampled trace
    out["peak_heap_bound_bytes"] = process.sampled_counters->peak_bound_bytes;
  }
  out["totals"] = CountersJson(process.counters, process.mapping_counters);
  out["peak_mapped_bytes"] = process.peak_mapped_bytes;
  out["threads"] = json::array();
  for (const ThreadReport& thread : process.threads) {
    out["threads"].push_back({{"tid", thread.tid},
                              {"allocations", thread.totals.allocations},
                              {"frees", thread.totals.frees},
                              {"bytes_allocated", thread.totals.bytes_allocated}});
  }
  out["peak_rss_bytes"] =
      process.peak_rss_source.empty() ? json(nullptr) : json(process.peak_rss_bytes);
  out["peak_rss_source"] =
      process.peak_rss_source.empty() ? json(nullptr) : json(process.peak_rss_source);
  out["memwrap_rss_bytes"] =
      process.memwrap_rss_bytes ? json(*process.memwrap_rss_bytes) : json(nullptr);
  out["memwrap_peak_rss_bytes"] =
      process.memwrap_peak_rss_bytes ? json(*process.memwrap_peak_rss_bytes) : json(nullptr);
  out["rss_at_heap_peak_bytes"] =
      process.rss_at_heap_peak_bytes ? json(*process.rss_at_heap_peak_bytes) : json(nullptr);
  out["rss_at_heap_peak_age_ns"] =
      process.rss_at_heap_peak_bytes ? json(process.rss_at_heap_peak_age_ns) : json(nullptr);
  out["untracked_nested_calls"] = process.untracked_nested_calls;
  out["stacks_not_interned"] = process.stacks_not_interned;
  out["heap_recorded"] = process.heap_recorded;
  return out;
}

json StackSamplesJson(const StackSamples& stack_samples) {
  json samples;
  samples["total"] = stack_samples.total;
  samples["unwind_failed"] = stack_samples.unwind_failed;
  samples["top"] = json::array();
  for (const SampledFunction& function : stack_samples.top) {
    json entry = FrameJson(function.location);
    entry["samples"] = function.samples;
    entry["stack"] = json::array();
    for (const SourceFrame& frame : function.stack) entry["stack"].push_back(FrameJson(frame));
    samples["top"].push_back(std::move(entry));
  }
  return samples;
}

json RecordingJson(const RecordingMode& mode) {
  json recording;
  recording["stacks"] = mode.stacks;
  recording["on_full"] = mode.on_full;
  recording["buffers"] = mode.buffers;
  recording["stack_depth"] = mode.stack_depth;
  recording["ring_bytes"] = mode.ring_bytes;
  if (mode.stacks == "sampled") recording["sample_bytes"] = mode.sample_bytes;
  return recording;
}

// Sampled-only traces (report.h, SampledHeap): the exact counters, and which figures are
// absent (null) or estimated.
void AddSampledFigures(const SampledHeap& sampled, json& out) {
  out["peak_heap_bound_bytes"] = 0;
  out["sampled"] = nullptr;
  if (!sampled.present) return;
  out["peak_heap_bound_bytes"] = sampled.peak_bound_bytes;
  out["peak_heap_time_ns"] = nullptr;
  out["peak_live_blocks"] = nullptr;
  out["peak_heap_and_mapped_bytes"] = nullptr;
  out["peak_heap_and_mapped_time_ns"] = nullptr;
  out["temporary_allocations"] = nullptr;
  out["sampled"] = {{"sample_bytes", sampled.sample_bytes},
                    {"samples", sampled.samples},
                    {"samples_untracked", sampled.samples_untracked},
                    {"allocations", sampled.allocations},
                    {"bytes_allocated", sampled.bytes_allocated},
                    {"usable_bytes_allocated", sampled.usable_bytes_allocated},
                    {"frees", sampled.frees},
                    {"usable_bytes_freed", sampled.usable_bytes_freed},
                    {"live_at_end_bytes", sampled.live_at_end_bytes},
                    {"peak_bytes", sampled.peak_bytes},
                    {"peak_bound_bytes", sampled.peak_bound_bytes},
                    {"threads", sampled.threads},
                    {"flush_bytes", sampled.flush_bytes},
                    {"final", sampled.final},
                    {"caller_counts_exact",
                     sampled.images != 0 && sampled.images_with_exact_callers == sampled.images}};
}

// --keep-stacks-if traces (report.h, KeptHeap): the totals and peak above count every event;
// sites, leak sites and temporaries cover the kept allocations.
void AddKeptFigures(const KeptHeap& kept, json& out) {
  out["kept"] = nullptr;
  if (!kept.present) return;
  out["peak_live_blocks"] = nullptr;
  out["peak_heap_and_mapped_bytes"] = nullptr;
  out["peak_heap_and_mapped_time_ns"] = nullptr;
  out["kept"] = {{"expression", kept.expression},
                 {"allocations_kept", kept.allocations_kept},
                 {"kept_peak_bytes", kept.kept_peak_bytes},
                 {"kept_peak_time_ns", kept.kept_peak_time_ns},
                 {"live_at_end_bytes", kept.live_at_end_bytes}};
}

}  // namespace

std::string FormatReportJson(const Report& report) {
  json out;
  out["format"] = "memwrap-report";
  out["format_version"] = 1;
  out["trace"] = report.trace_path;
  out["peak_heap_bytes"] = report.peak_heap_bytes;
  out["peak_heap_time_ns"] = report.peak_heap_time_ns;
  out["peak_live_blocks"] = report.peak_live_blocks;
  out["peak_site_count"] = report.peak_site_count;
  out["peak_sites"] = json::array();
  for (const CallSite& site : report.peak_sites) out["peak_sites"].push_back(SiteJson(site));
  out["totals"] = CountersJson(report.totals, report.mapping_totals);
  out["peak_sites_estimated"] = report.peak_sites_estimated;
  out["leaked_bytes"] = report.leaked_bytes;
  out["leaked_blocks"] = report.leaked_blocks;
  out["suppressed_leaked_bytes"] = report.suppressed_leaked_bytes;
  out["leak_sites"] = json::array();
  for (const CallSite& site : report.leak_sites) out["leak_sites"].push_back(SiteJson(site));
  out["temporary_allocations"] = report.temporary_allocations;
  out["temporary_sites"] = SiteCountsJson(report.temporary_sites, "temporary_allocations");
  out["top_sites_by_calls"] = SiteCountsJson(report.top_sites_by_calls, "allocations");
  out["top_sites_by_bytes"] = SiteCountsJson(report.top_sites_by_bytes, "allocations");
  out["stack_samples"] = StackSamplesJson(report.stack_samples);
  out["process_filter"] = report.process_filter == 0 ? json(nullptr) : json(report.process_filter);
  out["peak_mapped_bytes"] = report.peak_mapped_bytes;
  out["rss_at_heap_peak_bytes"] =
      report.rss_at_heap_peak_bytes ? json(*report.rss_at_heap_peak_bytes) : json(nullptr);
  out["sample_interval_ns"] = report.sample_interval_ns;
  out["peak_mapped_time_ns"] = report.peak_mapped_time_ns;
  out["peak_heap_and_mapped_bytes"] = report.peak_heap_and_mapped_bytes;
  out["peak_heap_and_mapped_time_ns"] = report.peak_heap_and_mapped_time_ns;
  out["recording"] = RecordingJson(report.recording);
  AddSampledFigures(report.sampled, out);
  AddKeptFigures(report.kept, out);
  out["lost_events"] = report.lost_events;
  out["lost_bytes"] = report.lost_bytes;
  out["untracked_nested_calls"] = report.untracked_nested_calls;
  out["stacks_not_interned"] = report.stacks_not_interned;
  out["duration_ns"] = report.duration_ns;
  out["processes"] = json::array();
  for (const ProcessReport& process : report.processes) {
    out["processes"].push_back(ProcessJson(process));
  }
  out["session"] = report.session;
  out["warnings"] = report.warnings;
  out["trace_complete"] = report.ending.kind == TraceEnding::Kind::kUnverifiable
                              ? json(nullptr)
                              : json(report.ending.kind == TraceEnding::Kind::kComplete);
  out["heap_not_recorded"] =
      report.heap_not_recorded.empty() ? json(nullptr) : json(report.heap_not_recorded);
  // Paths, arguments, session values and symbol names are bytes, not necessarily UTF-8 (a
  // Latin-1 file name is a fine argument; a trace may be damaged). A strict dump throws on
  // them, which aborted `memwrap report --format json`: invalid sequences become U+FFFD.
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace memwrap
