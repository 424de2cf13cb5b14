// `memwrap timeline TRACE [--format text|csv|jsonl] [--step DURATION]`: memory over time.
#include <stdio.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "analyzer/system_timeline.h"
#include "analyzer/timeline.h"
#include "analyzer/trace_stream.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "memwrap/exit_codes.h"
#include "tracefile/trace_error.h"
#include "units/unit_parsing.h"

namespace memwrap {
namespace po = boost::program_options;

int TimelineCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: memwrap timeline TRACE [options]\n"
      "\n"
      "Memory over time: rows of heap, mapped, RSS and PSS per process (and in total when\n"
      "there are several), each naming the call sites that grew or shrank the heap most since\n"
      "the row before, with markers (memwrap_mark() calls, starts, execs, exits). Rows come\n"
      "every --step and, between two rows, at the exact instant of the highest heap when it is\n"
      "higher than both, so no spike is lost. Keys: docs/timeline.md. Exit codes: 0 written, 2\n"
      "bad usage or a trace that cannot be read.\n"
      "\n"
      "Of a system log (dlogger, cronlogger): one row per sample of the machine's memory\n"
      "(total, used, free, available, buffers, cache, swap) with percentages of the total;\n"
      "with --step, the first sample of each step. Keys: docs/dlogger.md.\n"
      "\n"
      "Options");
  std::string format = "text", step;
  std::vector<std::string> traces;
  options.add_options()("help,h", "show this help and exit")(
      "format",
      po::value<std::string>(&format)->value_name("text|csv|jsonl")->default_value("text"),
      "text for people; csv or jsonl (one JSON object per line) for tools")(
      "step", po::value<std::string>(&step)->value_name("DURATION"),
      "time between rows (e.g. 100ms, 1s); default: the trace's sampling interval (10ms)");
  if (int done = ParseFileArguments(args, options, "timeline", &traces); done >= 0) {
    return done;
  }
  TimelineOptions timeline_options;
  if (!step.empty() &&
      (!ParseDuration(step, &timeline_options.step_ns) || timeline_options.step_ns < 1000)) {
    fprintf(stderr, "memwrap timeline: --step %s: not a duration of at least 1us (e.g. 100ms)\n",
            step.c_str());
    return kExitUsage;
  }
  if (traces.size() != 1 || (format != "text" && format != "csv" && format != "jsonl")) {
    fprintf(stderr, "memwrap timeline: give one TRACE, and --format text, csv or jsonl\n");
    return kExitUsage;
  }
  try {
    {
      // A system log (dlogger, cronlogger): system memory over time.
      TraceReader reader(traces.front());
      TraceStream stream(&reader);
      if (IsSystemLog(stream.session_info())) {
        for (const std::string& warning : stream.warnings()) {
          fprintf(stderr, "memwrap timeline: warning: %s\n", warning.c_str());
        }
        std::vector<SystemMemoryRow> rows =
            ThinSystemRows(ReadSystemSamples(stream), step.empty() ? 0 : timeline_options.step_ns);
        if (rows.empty()) {
          fprintf(stderr,
                  "memwrap timeline: warning: %s has no system memory samples (was it "
                  "recorded without the memory module?)\n",
                  traces.front().c_str());
        }
        std::string text = FormatSystemTimeline(traces.front(), rows, stream.warnings(), format);
        fwrite(text.data(), 1, text.size(), stdout);
        return fflush(stdout) == 0 ? kExitOk : kExitCannotWrite;
      }
    }
    Timeline timeline = BuildTimeline(traces.front(), timeline_options);
    for (const std::string& warning : timeline.warnings) {
      fprintf(stderr, "memwrap timeline: warning: %s\n", warning.c_str());
    }
    std::string text = format == "csv"     ? FormatTimelineCsv(timeline)
                       : format == "jsonl" ? FormatTimelineJsonl(timeline)
                                           : FormatTimelineText(timeline);
    fwrite(text.data(), 1, text.size(), stdout);
    return fflush(stdout) == 0 ? kExitOk : kExitCannotWrite;
  } catch (const TraceError& error) {
    fprintf(stderr, "memwrap timeline: %s\n", error.what());
    return kExitBadInput;
  }
}

}  // namespace memwrap
