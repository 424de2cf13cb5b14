// `memwrap diff A B`: which call sites grew or shrank between two traces.
#include <stdio.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "analyzer/report.h"
#include "analyzer/trace_comparison.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "memwrap/exit_codes.h"
#include "tracefile/trace_error.h"

namespace memwrap {
namespace po = boost::program_options;

int DiffCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: memwrap diff A B [options]\n"
      "\n"
      "Compares two traces (say, before and after a change): the heap peak, the bytes\n"
      "allocated and leaked, and every call site whose bytes live at the peak or whose bytes\n"
      "allocated over the run changed, largest change at the peak first. Positive changes\n"
      "grew from A to B. Exit codes: 0 compared, 2 bad usage or a trace that cannot be read.\n"
      "\n"
      "Options");
  std::string format = "text";
  size_t top = 20;
  std::vector<std::string> traces;
  options.add_options()("help,h", "show this help and exit")(
      "format", po::value<std::string>(&format)->value_name("text|json")->default_value("text"),
      "output format (JSON keys in docs/report-json.md, \"memwrap diff\")")(
      "top", po::value<size_t>(&top)->value_name("N")->default_value(20),
      "number of changed call sites listed");
  if (int done = ParseFileArguments(args, options, "diff", &traces); done >= 0) {
    return done;
  }
  if (traces.size() != 2 || (format != "text" && format != "json")) {
    fprintf(stderr, "memwrap diff: give two traces, A and B, and --format text or json\n");
    return kExitUsage;
  }
  try {
    const ReportOptions every_site{.top = SIZE_MAX, .process = 0, .suppressions = ""};
    Report a = BuildReport(traces[0], every_site);
    Report b = BuildReport(traces[1], every_site);
    for (const Report* report : {&a, &b}) {
      for (const std::string& warning : report->warnings) {
        fprintf(stderr, "memwrap diff: warning: %s\n", warning.c_str());
      }
    }
    TraceDiff diff = DiffReports(std::move(a), std::move(b));
    std::string text = format == "json" ? FormatDiffJson(diff, top) : FormatDiffText(diff, top);
    fwrite(text.data(), 1, text.size(), stdout);
    return fflush(stdout) == 0 ? kExitOk : kExitCannotWrite;
  } catch (const TraceError& error) {
    fprintf(stderr, "memwrap diff: %s\n", error.what());
    return kExitBadInput;
  }
}

}  // namespace memwrap
