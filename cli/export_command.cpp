// `memwrap export --format F TRACE -o OUT`: a trace for other viewers (docs/export.md).
#include <stdio.h>

#include <algorithm>
#include <boost/program_options.hpp>

#include "command_line.h"
#include "commands.h"
#include "memwrap/exit_codes.h"
#include "export/exports.h"
#include "output_file.h"
#include "timeline.h"
#include "tracefile/trace_error.h"

namespace memwrap {
namespace po = boost::program_options;

int ExportCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: memwrap export --format F TRACE -o OUT [--metric M]\n"
      "\n"
      "Writes a trace in the format of another viewer:\n"
      "  pprof   gzipped profile.proto for go tool pprof: alloc_objects, alloc_space (the whole\n"
      "          run), inuse_objects, inuse_space (live at the exact heap peak)\n"
      "  chrome  Trace Event JSON for Perfetto UI and chrome://tracing: memory counters,\n"
      "          a slice per system call on its thread, instants for marks, execs, exits\n"
      "  folded  'frame;frame;frame VALUE' lines for flamegraph.pl, speedscope, inferno\n"
      "  massif  massif.out for ms_print and massif-visualizer; its peak snapshot is the exact\n"
      "          heap peak with its call tree\n"
      "  csv, jsonl  the timeline (the rows of memwrap timeline --format csv|jsonl)\n"
      "Details: docs/export.md. Exit codes: 0 written, 2 bad usage, a trace that cannot be\n"
      "read or an output that cannot be written.\n"
      "\n"
      "Options");
  std::string format, output = "-", metric_name;
  std::vector<std::string> traces;
  options.add_options()
      ("help,h", "show this help and exit")
      ("format", po::value<std::string>(&format)->value_name("F"),
       "pprof, chrome, folded, massif, csv or jsonl")
      ("output,o", po::value<std::string>(&output)->value_name("OUT"),
       "the file to write (replaced if it exists); - or none: standard output")
      ("metric", po::value<std::string>(&metric_name)->value_name("M"),
       "folded only: peak (bytes live at the heap peak; the values add up to it, the default), "
       "allocated (bytes allocated), leaked (bytes live when their process ended), "
       "allocations (calls)");
  if (int done = ParseFileArguments(args, options, "export", &traces); done >= 0) return done;
  const std::vector<std::string> kFormats = {"pprof", "chrome", "folded", "massif", "csv", "jsonl"};
  if (std::find(kFormats.begin(), kFormats.end(), format) == kFormats.end()) {
    fprintf(stderr, "memwrap export: --format %s: must be pprof, chrome, folded, massif, csv or jsonl\n",
            format.empty() ? "(missing)" : format.c_str());
    return kExitUsage;
  }
  StackMetric metric = StackMetric::kPeak;
  if (!metric_name.empty() && format != "folded") {
    fprintf(stderr, "memwrap export: --metric is for --format folded only\n");
    return kExitUsage;
  }
  if (!metric_name.empty() && !ParseStackMetric(metric_name, &metric)) {
    fprintf(stderr, "memwrap export: --metric %s: must be peak, allocated, leaked or allocations\n",
            metric_name.c_str());
    return kExitUsage;
  }
  if (traces.size() != 1) {
    fprintf(stderr, "memwrap export: give one TRACE (see memwrap export --help)\n");
    return kExitUsage;
  }
  std::string data;
  try {
    if (format == "csv" || format == "jsonl") {
      Timeline timeline = BuildTimeline(traces.front(), TimelineOptions{});
      for (const std::string& warning : timeline.warnings) {
        fprintf(stderr, "memwrap export: warning: %s\n", warning.c_str());
      }
      data = format == "csv" ? FormatTimelineCsv(timeline) : FormatTimelineJsonl(timeline);
    } else {
      HeapProfile profile(traces.front());
      for (const std::string& warning : profile.warnings()) {
        fprintf(stderr, "memwrap export: warning: %s\n", warning.c_str());
      }
      if (format == "folded") {
        data = ExportFolded(profile, metric);
      } else if (format == "pprof") {
        data = ExportPprof(profile);
      } else {
        Timeline timeline = BuildTimeline(traces.front(), TimelineOptions{});
        if (format == "massif") {
          data = ExportMassif(profile, timeline);
        } else {
          data = ExportChrome(profile, timeline,
                              CollectTraceEvents(profile.stream(), profile.origin_ns()));
        }
      }
    }
  } catch (const TraceError& error) {
    fprintf(stderr, "memwrap export: %s\n", error.what());
    return kExitBadInput;
  }
  std::string error;
  if (!WriteOutput(output, data, &error)) {
    fprintf(stderr, "memwrap export: %s\n", error.c_str());
    return kExitCannotWrite;
  }
  return kExitOk;
}

}  // namespace memwrap
