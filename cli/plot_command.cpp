// `memwrap plot TRACE... -o report.html [--dark] [--title T] [--index-entries N]`: one
// self-contained HTML report (docs/plot.md) of programs' traces, of the ranks of a parallel job, or
// of system logs.
#include <stdio.h>

#include <algorithm>

#include <boost/program_options.hpp>

#include "analyzer/system_samples.h"
#include "analyzer/trace_stream.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/output_file.h"
#include "memwrap/exit_codes.h"
#include "presenters/plot/job_plot_data.h"
#include "presenters/plot/plot_data.h"
#include "presenters/plot/plot_html.h"
#include "presenters/plot/system_plot_data.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_reader.h"

namespace memwrap {
namespace po = boost::program_options;

int PlotCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: memwrap plot TRACE... -o report.html [--dark] [--title T] [--index-entries N]\n"
      "\n"
      "Writes one self-contained HTML file (no network: styles, script and data inline): memory\n"
      "over time (heap and mapped as steps at their events, RSS and PSS as samples; several\n"
      "traces overlaid), the exact heap peak marked, markers for marks, execs, exits and stack\n"
      "samples, with a legend. Click the chart for the live heap at that instant by call site,\n"
      "drag across it (or pick two marks) for what was allocated and freed in between: exact,\n"
      "from every event's time (an index of at most N entries; its time resolution is shown).\n"
      "Also the call sites live at the peak (a sortable table) and a flame graph (heap at the\n"
      "peak, bytes allocated, calls, leaks) with search, zoom and breadcrumb, a depth cap, frames\n"
      "hidden by name or collapsed by module, and a callers view. Several traces of one program\n"
      "are compared (before and after: grown and shrunk sites, a differential flame graph); the\n"
      "ranks of a parallel job (traces with a rank) get each rank's and host's heap peak and the\n"
      "imbalance. System logs (dlogger, cronlogger, memwrap sys) give system memory per host, in\n"
      "bytes, percent or swap; they cannot be mixed with programs' traces in one plot. A URL\n"
      "fragment opens a view: #t=3.2, #range=1.5..2.0, #range=mark:A..mark:B, #search=NAME,\n"
      "#collapse=MODULE, #compare.\n"
      "Details: docs/plot.md.\n"
      "Exit codes: 0 written, 2 bad usage, a trace that cannot be read, system logs mixed with\n"
      "programs' traces, or an output that cannot be written.\n"
      "\n"
      "Options");
  std::string output;
  PlotPageOptions page;
  std::vector<std::string> traces;
  PlotDataOptions data_options;
  options.add_options()("help,h", "show this help and exit")(
      "output,o", po::value<std::string>(&output)->value_name("FILE.html"),
      "the file to write (replaced if it exists); - : standard output")(
      "dark", po::bool_switch(&page.dark), "open in dark mode (the page has a toggle)")(
      "title", po::value<std::string>(&page.title)->value_name("T"),
      "the page's title (default: memwrap report)")(
      "index-entries", po::value<size_t>(&data_options.max_instant_entries)->value_name("N"),
      "budget of the instant index, in (time bucket, call site) entries (default 400000): "
      "more gives a finer time resolution and a larger page");
  if (int done = ParseFileArguments(args, options, "plot", &traces); done >= 0) return done;
  if (traces.empty() || output.empty()) {
    fprintf(stderr,
            "memwrap plot: give at least one TRACE and -o FILE.html (see memwrap plot --help)\n");
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
      fprintf(stderr,
              "memwrap plot: '%s' is a system log and '%s' a program's trace: plot "
              "system logs and programs' traces separately\n",
              system_logs.front().c_str(), programs.front().c_str());
      return kExitBadInput;
    }
    if (!system_logs.empty()) {
      data.systems = BuildSystemPlotData(system_logs, PlotDataOptions{});
      for (const auto& warning : data.systems["warnings"]) {
        fprintf(stderr, "memwrap plot: warning: %s\n", warning.get<std::string>().c_str());
      }
    }
    for (const std::string& trace : programs) {
      data.traces.push_back(BuildPlotData(trace, data_options));
      for (const auto& warning : data.traces.back()["warnings"]) {
        fprintf(stderr, "memwrap plot: warning: %s: %s\n", trace.c_str(),
                warning.get<std::string>().c_str());
      }
    }
    // Ranks and hosts only for the ranks of a parallel job; traces of one program without
    // rank information are compared as before and after instead (the page's #compare).
    const bool ranks =
        std::any_of(data.traces.begin(), data.traces.end(),
                    [](const nlohmann::json& trace) { return trace["rank"].is_string(); });
    if (data.traces.size() > 1 && ranks)
      data.job = BuildJobPlotData(data.traces, PlotDataOptions{});
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
