// `memwrap plot TRACE... -o report.html [--dark] [--title T]`: one self-contained HTML report
// (docs/plot.md) of programs' traces, of the ranks of a parallel job, or of system logs.
#include <stdio.h>

#include <boost/program_options.hpp>

#include "command_line.h"
#include "commands.h"
#include "exit_codes.h"
#include "output_file.h"
#include "plot/job_plot_data.h"
#include "plot/plot_data.h"
#include "plot/plot_html.h"
#include "plot/system_plot_data.h"
#include "system_samples.h"
#include "trace_stream.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_reader.h"

namespace memwrap {
namespace po = boost::program_options;

int PlotCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: memwrap plot TRACE... -o report.html [--dark] [--title T]\n"
      "\n"
      "Writes one self-contained HTML file (no network: styles, script and data inline): memory\n"
      "over time (heap, mapped, RSS, PSS; several traces overlaid), the exact heap peak marked,\n"
      "markers for marks, execs, exits and stack samples (their details on hover or click),\n"
      "the call sites live at the peak (a sortable table), and a flame graph of the heap at\n"
      "the peak, switchable to bytes allocated and leaks. With several traces (the ranks of a\n"
      "parallel job, run.*.mwt), also each trace's heap peak with host and rank, the imbalance\n"
      "of the peaks, and per host the exact peak of its traces' summed heap and that sum over\n"
      "time on the wall clock. System logs (dlogger, cronlogger, memwrap sys) give system\n"
      "memory over time, one chart per host, in bytes, in percent or as swap (a switch in the\n"
      "page); they cannot be mixed with programs' traces in one plot. Details: docs/plot.md.\n"
      "Exit codes: 0 written, 2 bad usage, a trace that cannot be read, system logs mixed with\n"
      "programs' traces, or an output that cannot be written.\n"
      "\n"
      "Options");
  std::string output;
  PlotPageOptions page;
  std::vector<std::string> traces;
  options.add_options()
      ("help,h", "show this help and exit")
      ("output,o", po::value<std::string>(&output)->value_name("FILE.html"),
       "the file to write (replaced if it exists); - : standard output")
      ("dark", po::bool_switch(&page.dark), "open in dark mode (the page has a toggle)")
      ("title", po::value<std::string>(&page.title)->value_name("T"),
       "the page's title (default: memwrap report)");
  if (int done = ParseFileArguments(args, options, "plot", &traces); done >= 0) return done;
  if (traces.empty() || output.empty()) {
    fprintf(stderr, "memwrap plot: give at least one TRACE and -o FILE.html (see memwrap plot --help)\n");
    return kExitUsage;
  }
  PlotPageData data;
  try {
    // System logs and programs' traces have nothing in common to draw on one chart.
    std::vector<std::string> system_logs, programs;
    for (const std::string& trace : traces) {
      TraceReader reader(trace);
      TraceStream stream(&reader);
      (IsSystemLog(stream.session_info()) ? system_logs : programs).push_back(trace);
    }
    if (!system_logs.empty() && !programs.empty()) {
      fprintf(stderr, "memwrap plot: '%s' is a system log and '%s' a program's trace: plot "
              "system logs and programs' traces separately\n", system_logs.front().c_str(),
              programs.front().c_str());
      return kExitBadInput;
    }
    if (!system_logs.empty()) {
      data.systems = BuildSystemPlotData(system_logs, PlotDataOptions{});
      for (const auto& warning : data.systems["warnings"]) {
        fprintf(stderr, "memwrap plot: warning: %s\n", warning.get<std::string>().c_str());
      }
    }
    for (const std::string& trace : programs) {
      data.traces.push_back(BuildPlotData(trace, PlotDataOptions{}));
      for (const auto& warning : data.traces.back()["warnings"]) {
        fprintf(stderr, "memwrap plot: warning: %s: %s\n", trace.c_str(),
                warning.get<std::string>().c_str());
      }
    }
    if (data.traces.size() > 1) data.job = BuildJobPlotData(data.traces, PlotDataOptions{});
  } catch (const TraceError& error) {
    fprintf(stderr, "memwrap plot: %s\n", error.what());
    return kExitBadInput;
  }
  std::string error;
  if (!WriteOutput(output, BuildPlotHtml(data, page), &error)) {
    fprintf(stderr, "memwrap plot: %s\n", error.c_str());
    return kExitCannotWrite;
  }
  return kExitOk;
}

}  // namespace memwrap
