// `memwrap plot TRACE... -o report.html [--dark] [--title T]`: one self-contained HTML report
// (docs/plot.md).
#include <stdio.h>

#include <boost/program_options.hpp>

#include "command_line.h"
#include "commands.h"
#include "exit_codes.h"
#include "output_file.h"
#include "plot/plot_data.h"
#include "plot/plot_html.h"
#include "tracefile/trace_error.h"

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
      "the peak, switchable to bytes allocated and leaks. Details: docs/plot.md. Exit codes:\n"
      "0 written, 2 bad usage, a trace that cannot be read or an output that cannot be written.\n"
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
  std::vector<nlohmann::json> data;
  try {
    for (const std::string& trace : traces) {
      data.push_back(BuildPlotData(trace, PlotDataOptions{}));
      for (const auto& warning : data.back()["warnings"]) {
        fprintf(stderr, "memwrap plot: warning: %s: %s\n", trace.c_str(),
                warning.get<std::string>().c_str());
      }
    }
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
