// `memwrap report TRACE [--format text|json] [--top N]`: the exact heap peak of a trace and the
// call sites live at that instant, with totals and processes.
#include <stdio.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "analyzer/report.h"
#include "analyzer/system_timeline.h"
#include "analyzer/trace_comparison.h"
#include "analyzer/trace_stream.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "memwrap/exit_codes.h"
#include "tracefile/trace_error.h"

namespace memwrap {
namespace po = boost::program_options;

int ReportCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: memwrap report TRACE... [options]\n"
      "\n"
      "Reads a trace written by `memwrap run` and reports the exact heap high-water mark (to the\n"
      "byte), when it happened, and the call sites of the blocks live at that instant, with\n"
      "totals and the traced processes. A trace cut short (memwrap killed: truncated, or no\n"
      "end-of-trace chunk) is read up to where it stops, with a warning. Exit codes: 0 report\n"
      "written, 2 bad usage or a trace that cannot be read (not a trace, corrupt, newer\n"
      "format). With several traces (the files of a\n"
      "process tree, the ranks of an MPI job), it reports each trace's peaks and their max,\n"
      "min, mean and total, and the imbalance (max / min) of the heap peaks.\n"
      "\n"
      "Options");
  std::string format = "text";
  size_t top = 10;
  uint32_t process = 0;
  std::string suppressions;
  std::vector<std::string> traces;
  options.add_options()("help,h", "show this help and exit")(
      "format", po::value<std::string>(&format)->value_name("text|json")->default_value("text"),
      "output format; the JSON keys are documented in docs/report-json.md")(
      "top", po::value<size_t>(&top)->value_name("N")->default_value(10),
      "number of call sites listed in each section (peak, leaks, temporaries, top sites)")(
      "process", po::value<uint32_t>(&process)->value_name("PID"),
      "only the records of process PID (its heap, peak, leaks and sites)")(
      "suppressions", po::value<std::string>(&suppressions)->value_name("FILE"),
      "leak suppressions: one glob per line (optionally 'leak:GLOB'), matched against the "
      "function and file of every frame of a leak's stack; '#' starts a comment");
  if (int done = ParseFileArguments(args, options, "report", &traces); done >= 0) {
    return done;
  }
  if (format != "text" && format != "json") {
    fprintf(stderr, "memwrap report: unknown --format '%s' (text or json)\n", format.c_str());
    return kExitUsage;
  }
  if (traces.empty()) {
    fprintf(stderr, "memwrap report: give a TRACE (see memwrap report --help)\n");
    return kExitUsage;
  }
  try {
    if (traces.size() > 1) {
      // Several traces (a process tree's files, MPI ranks): per-trace peaks and their spread.
      std::vector<Report> reports;
      for (const std::string& trace : traces) {
        reports.push_back(BuildReport(
            trace, ReportOptions{.top = top, .process = process, .suppressions = suppressions}));
        for (const std::string& warning : reports.back().warnings) {
          fprintf(stderr, "memwrap report: warning: %s\n", warning.c_str());
        }
      }
      MultiReport merged = MergeReports(std::move(reports));
      std::string text = format == "json" ? FormatMultiJson(merged) : FormatMultiText(merged);
      fwrite(text.data(), 1, text.size(), stdout);
      return fflush(stdout) == 0 ? kExitOk : kExitCannotWrite;
    }
    {
      // A system log (dlogger) has no program: say so, with what it holds.
      TraceReader reader(traces.front());
      TraceStream stream(&reader);
      if (IsSystemLog(stream.session_info())) {
        std::string text = FormatSystemLogReport(traces.front(), stream, format);
        for (const std::string& warning : stream.warnings()) {
          fprintf(stderr, "memwrap report: warning: %s\n", warning.c_str());
        }
        fwrite(text.data(), 1, text.size(), stdout);
        return fflush(stdout) == 0 ? kExitOk : kExitCannotWrite;
      }
    }
    Report report =
        BuildReport(traces.front(),
                    ReportOptions{.top = top, .process = process, .suppressions = suppressions});
    for (const std::string& warning : report.warnings) {
      fprintf(stderr, "memwrap report: warning: %s\n", warning.c_str());
    }
    std::string text = format == "json" ? FormatReportJson(report) : FormatReportText(report);
    fwrite(text.data(), 1, text.size(), stdout);
    if (fflush(stdout) != 0) {
      perror("memwrap report: cannot write the report");
      return kExitCannotWrite;
    }
    return kExitOk;
  } catch (const TraceError& error) {
    fprintf(stderr, "memwrap report: %s\n", error.what());
    return kExitBadInput;
  }
}

}  // namespace memwrap
