// `memwrap export --format F TRACE -o OUT`: a trace for other viewers (docs/export.md).
#include <stdio.h>

#include <algorithm>
#include <boost/program_options.hpp>

#include "analyzer/timeline.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/output_file.h"
#include "memwrap/exit_codes.h"
#include "presenters/export/exports.h"
#include "tracefile/trace_error.h"

namespace memwrap {
namespace po = boost::program_options;

namespace {

// Every export format, in the order --help lists them. `help`: its lines in --help (empty:
// listed on the line of the format before it, as csv and jsonl share one).
struct ExportFormat {
  const char* name;
  const char* help;
};
constexpr ExportFormat kExportFormats[] = {
    {"pprof",
     "gzipped profile.proto for go tool pprof: alloc_objects, alloc_space (the whole\n"
     "          run), inuse_objects, inuse_space (live at the exact heap peak)"},
    {"chrome",
     "Trace Event JSON for Perfetto UI and chrome://tracing: memory counters,\n"
     "          a slice per system call on its thread, instants for marks, execs, exits"},
    {"folded", "'frame;frame;frame VALUE' lines for flamegraph.pl, speedscope, inferno"},
    {"massif",
     "massif.out for ms_print and massif-visualizer; its peak snapshot is the exact\n"
     "          heap peak with its call tree"},
    {"csv", ""},
    {"jsonl", "the timeline (the rows of memwrap timeline --format csv|jsonl)"},
};

bool IsExportFormat(const std::string& name) {
  return std::any_of(std::begin(kExportFormats), std::end(kExportFormats),
                     [&](const ExportFormat& format) { return name == format.name; });
}

// "pprof, chrome, folded, massif, csv or jsonl".
std::string FormatNames() {
  std::string names;
  const size_t count = std::size(kExportFormats);
  for (size_t i = 0; i < count; ++i) {
    names += i == 0 ? "" : i + 1 == count ? " or " : ", ";
    names += kExportFormats[i].name;
  }
  return names;
}

// The --help lines of the formats: a name padded to 8 columns, or names that share a line
// joined by ", ".
std::string FormatHelp() {
  std::string text, pending;
  for (const ExportFormat& format : kExportFormats) {
    pending += (pending.empty() ? "" : ", ") + std::string(format.name);
    if (*format.help == '\0') continue;
    if (pending.size() < 8) pending.resize(8, ' ');
    text += "  " + pending + (pending.size() > 8 ? "  " : "") + format.help + "\n";
    pending.clear();
  }
  return text;
}

// The export of the one trace, in `format` (one of kExportFormats).
std::string Export(const std::string& format, const std::string& trace, StackMetric metric) {
  if (format == "csv" || format == "jsonl") {
    Timeline timeline = BuildTimeline(trace, TimelineOptions{});
    for (const std::string& warning : timeline.warnings) {
      fprintf(stderr, "memwrap export: warning: %s\n", warning.c_str());
    }
    return format == "csv" ? FormatTimelineCsv(timeline) : FormatTimelineJsonl(timeline);
  }
  HeapProfile profile(trace);
  for (const std::string& warning : profile.warnings()) {
    fprintf(stderr, "memwrap export: warning: %s\n", warning.c_str());
  }
  if (format == "folded") return ExportFolded(profile, metric);
  if (format == "pprof") return ExportPprof(profile);
  Timeline timeline = BuildTimeline(trace, TimelineOptions{});
  if (format == "massif") return ExportMassif(profile, timeline);
  return ExportChrome(profile, timeline, CollectTraceEvents(profile.stream(), profile.origin_ns()));
}

}  // namespace

int ExportCommand(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: memwrap export --format F TRACE -o OUT [--metric M]\n"
      "\n"
      "Writes a trace in the format of another viewer:\n" +
      FormatHelp() +
      "Details: docs/export.md. Exit codes: 0 written, 2 bad usage, a trace that cannot be\n"
      "read or an output that cannot be written.\n"
      "\n"
      "Options";
  po::options_description options(usage);
  const std::string names = FormatNames();
  std::string format, output = "-", metric_name;
  std::vector<std::string> traces;
  options.add_options()("help,h", "show this help and exit")(
      "format", po::value<std::string>(&format)->value_name("F"), names.c_str())(
      "output,o", po::value<std::string>(&output)->value_name("OUT"),
      "the file to write (replaced if it exists); - or none: standard output")(
      "metric", po::value<std::string>(&metric_name)->value_name("M"),
      "folded only: peak (bytes live at the heap peak; the values add up to it, the default), "
      "allocated (bytes allocated), leaked (bytes live when their process ended), "
      "allocations (calls)");
  if (int done = ParseFileArguments(args, options, "export", &traces); done >= 0) return done;
  if (!IsExportFormat(format)) {
    fprintf(stderr, "memwrap export: --format %s: must be %s\n",
            format.empty() ? "(missing)" : format.c_str(), names.c_str());
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
    data = Export(format, traces.front(), metric);
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
