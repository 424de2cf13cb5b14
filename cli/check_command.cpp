// `memwrap check`: the CI gate on peak memory, and `memwrap baseline save`.
#include <stdio.h>
#include <sys/wait.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>

#include "analyzer/baseline_file.h"
#include "analyzer/gate_formats.h"
#include "analyzer/memory_gate.h"
#include "analyzer/report.h"
#include "cli/check_recordings.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/output_file.h"
#include "memwrap/exit_codes.h"
#include "memwrap/session_info_keys.h"
#include "tracefile/trace_error.h"
#include "units/unit_parsing.h"

namespace memwrap {
namespace po = boost::program_options;
namespace {

// The sites the gate compares come from the report's top sites at the peak.
const ReportOptions kGateReport{.top = kPeakSitesKept, .process = 0, .suppressions = ""};

bool ParseSizeOption(const po::variables_map& vm, const char* name, std::optional<uint64_t>* out,
                     std::string* error) {
  if (!vm.count(name)) return true;
  const std::string text = vm[name].as<std::string>();
  uint64_t bytes = 0;
  if (!ParseByteSize(text, &bytes)) {
    *error = std::string("--") + name + " " + text +
             ": not a size (e.g. 512MiB, 64KB, 1048576; units B, KB/KiB, MB/MiB, GB/GiB)";
    return false;
  }
  *out = bytes;
  return true;
}

// A gate judges whole runs: a trace cut short would pass on the part that was written. Throws
// TraceError (exit 2) for an incomplete trace; a trace too old to tell is judged, with a
// warning.
void RequireWholeRun(const Report& report) {
  switch (report.ending.kind) {
    case TraceEnding::Kind::kComplete:
      return;
    case TraceEnding::Kind::kUnverifiable:
      fprintf(stderr, "memwrap check: warning: %s\n", report.ending.message.c_str());
      return;
    case TraceEnding::Kind::kIncomplete:
      throw TraceError(TraceError::Kind::kCorrupt,
                       "cannot judge an incomplete trace: " + report.ending.message);
  }
}

std::string SessionValue(const Report& report, const char* key) {
  auto it = report.session.find(key);
  return it != report.session.end() ? it->second : "";
}

// `memwrap check` as given, and the limits it read.
struct CheckCommandLine {
  std::string baseline_path, tolerance_text, junit_path, summary_path, output;
  unsigned repeat = 1;
  bool report_only = false;
  bool run_program = false;         // -- PROGRAM: record it; else judge the traces given
  std::vector<std::string> inputs;  // PROGRAM [ARGS...], or TRACE...
  GateLimits limits;
};

// Options that make sense only together. -1, or the exit status.
int CheckCombination(const CheckCommandLine& line) {
  if (line.repeat < 1 || (line.repeat > 1 && !line.run_program)) {
    fprintf(stderr, "memwrap check: --repeat needs -- PROGRAM and N >= 1\n");
    return kExitUsage;
  }
  if (!line.output.empty() && !line.run_program) {
    fprintf(stderr, "memwrap check: -o keeps the trace of a run: it needs -- PROGRAM\n");
    return kExitUsage;
  }
  if (line.inputs.empty()) {
    fprintf(stderr, "memwrap check: give TRACE... or -- PROGRAM [ARGS...]\n");
    return kExitUsage;
  }
  const GateLimits& limits = line.limits;
  if (!limits.max_peak_rss && !limits.max_peak_heap && !limits.max_leaked &&
      line.baseline_path.empty()) {
    fprintf(stderr,
            "memwrap check: no limit given (--max-peak-rss, --max-peak-heap, "
            "--max-leaked or --baseline)\n");
    return kExitUsage;
  }
  return -1;
}

// Reads and checks the options; -1, or the exit status (2: bad usage).
int ParseCheckCommandLine(const std::vector<std::string>& args, CheckCommandLine* line) {
  po::options_description options(
      "usage: memwrap check [options] TRACE...\n"
      "       memwrap check [options] -- PROGRAM [ARGS...]\n"
      "\n"
      "The CI gate on memory: judges the traces given, or runs PROGRAM under memwrap (N times\n"
      "with --repeat, judging the median of each figure) and keeps the trace of the run it\n"
      "judged, against absolute limits and/or a baseline (memwrap baseline save). Prints one\n"
      "line per limit with the actual value and the allowed one; a figure that outgrew the\n"
      "baseline is followed by the call sites that grew at the heap peak. Exit codes: 0 every\n"
      "limit holds, 1 a limit is exceeded or the program failed, 2 bad usage or input (a size\n"
      "like 12XB, a missing baseline, an unreadable or incomplete trace). Stopped by SIGTERM,\n"
      "SIGINT or SIGHUP, it ends the run under way (the program gets SIGTERM, SIGKILL 5 s\n"
      "later), removes its scratch files and dies of that signal.\n"
      "\n"
      "Options");
  const std::string tolerance_help =
      "allowed growth of every figure over the baseline, in percent (5 or 5%). Default: heap "
      "and leaked bytes exact (0%), peak RSS " +
      kDefaultRssTolerance.Text() + " (its run-to-run noise, see docs/baseline.md)";
  options.add_options()("help,h", "show this help and exit")(
      "max-peak-rss", po::value<std::string>()->value_name("SIZE"),
      "largest allowed peak RSS (of the process with the largest; exact for the program "
      "memwrap starts)")("max-peak-heap", po::value<std::string>()->value_name("SIZE"),
                         "largest allowed heap peak")(
      "max-leaked", po::value<std::string>()->value_name("SIZE"),
      "largest allowed leaked bytes (live when their process ended)")(
      "baseline", po::value<std::string>(&line->baseline_path)->value_name("FILE.json"),
      "compare with a baseline (memwrap baseline save): peak heap, peak RSS and leaked bytes "
      "may not exceed the baseline's by more than their tolerance")(
      "tolerance", po::value<std::string>(&line->tolerance_text)->value_name("PCT"),
      tolerance_help.c_str())(
      "repeat", po::value<unsigned>(&line->repeat)->value_name("N")->default_value(1),
      "with -- PROGRAM: run it N times and judge the median of each figure")(
      "output,o", po::value<std::string>(&line->output)->value_name("PATH"),
      "with -- PROGRAM: keep the trace of the judged run (with --repeat, the run whose heap "
      "peak is the median) at PATH, replacing a file there; default PROGRAM.PID.mwt in the "
      "current directory. The others are deleted")(
      "report-only", po::bool_switch(&line->report_only), "print the verdict but always exit 0")(
      "junit", po::value<std::string>(&line->junit_path)->value_name("FILE"),
      "also write the verdict as JUnit XML (one test case per limit)")(
      "summary", po::value<std::string>(&line->summary_path)->value_name("FILE.md"),
      "also write the verdict as a Markdown table (for a CI job summary page)");
  SplitCommandLine split = SplitAtProgram(args, options);
  // Without "--", what follows the options is TRACE...; SplitAtProgram calls it the program.
  line->run_program = split.after_double_dash;
  line->inputs = split.program;
  po::variables_map vm;
  std::string error;
  if (int status = ParseOptions(split.options, options, "memwrap check", &vm); status >= 0) {
    return status;
  }
  GateLimits& limits = line->limits;
  if (!ParseSizeOption(vm, "max-peak-rss", &limits.max_peak_rss, &error) ||
      !ParseSizeOption(vm, "max-peak-heap", &limits.max_peak_heap, &error) ||
      !ParseSizeOption(vm, "max-leaked", &limits.max_leaked, &error)) {
    fprintf(stderr, "memwrap check: %s\n", error.c_str());
    return kExitUsage;
  }
  if (vm.count("tolerance")) {
    double percent = 0;
    if (!ParsePercent(line->tolerance_text, &percent)) {
      fprintf(stderr, "memwrap check: --tolerance %s: not a percentage (e.g. 5 or 5%%)\n",
              line->tolerance_text.c_str());
      return kExitUsage;
    }
    limits.tolerance_percent = percent;
  }
  return CheckCombination(*line);
}

// -- PROGRAM: records it --repeat times through memwrap run (check_recordings.h) and keeps the
// trace of the run judged (the median). -1 with `runs` filled, or the exit status; throws
// TraceError for a trace it cannot judge (after keeping it).
int RecordRuns(const CheckCommandLine& line, std::vector<RunFigures>* runs,
               std::string* kept_trace) {
  const unsigned repeat = line.repeat;
  CheckRecordings recordings(line.inputs, line.output);
  std::vector<std::string> traces, pids;
  // Keeps a run's trace and says where, also when it is the reason the check stops.
  auto keep = [&](size_t index, const std::string& which) {
    *kept_trace = recordings.Keep(traces[index], unsigned(index + 1), pids[index]);
    printf("memwrap check: trace of %s: %s\n", which.c_str(), kept_trace->c_str());
    fflush(stdout);
  };
  auto run_name = [&](size_t index) {
    return repeat > 1 ? "run " + std::to_string(index + 1) + " of " + std::to_string(repeat)
                      : std::string("the run");
  };
  for (unsigned i = 1; i <= repeat; ++i) {
    int status = 0;
    traces.push_back(recordings.Record(i, &status));
    pids.emplace_back();
    const bool not_run = WIFEXITED(status) && (WEXITSTATUS(status) == kExitCannotExecute ||
                                               WEXITSTATUS(status) == kExitNotFound);
    if (not_run && !std::filesystem::exists(traces.back())) {
      return kExitUsage;  // memwrap run said why: the program cannot be run
    }
    try {
      Report report = BuildReport(traces.back(), kGateReport);
      pids.back() = SessionValue(report, session_key::kPid);
      RequireWholeRun(report);
      RunFigures figures = FiguresOf(report);
      figures.trace = "run " + std::to_string(i);
      runs->push_back(figures);
    } catch (const TraceError&) {
      if (std::filesystem::exists(traces.back())) keep(i - 1, run_name(i - 1));
      throw;
    }
  }
  const size_t median = MedianRun(*runs);
  keep(median, run_name(median) + (repeat > 1 ? ", the median" : ""));
  return -1;
}

// Judges the runs, prints the verdict (and writes the JUnit and Markdown files); the exit status.
int PrintVerdict(const CheckCommandLine& line, const std::vector<RunFigures>& runs,
                 const std::string& kept_trace, ReservedOutput* junit, ReservedOutput* summary) {
  GateVerdict verdict = JudgeRuns(runs, line.limits);
  verdict.kept_trace = kept_trace;
  for (const GateCheck& check : verdict.checks) {
    printf("%s\n", check.message.c_str());
    for (const std::string& grown : GrownSiteLines(verdict, check)) printf("%s\n", grown.c_str());
  }
  printf("memwrap check: %s\n", verdict.passed() ? "passed" : "FAILED");
  for (const std::string& failure :
       {junit->Write(GateJunitXml(verdict)), summary->Write(GateMarkdown(verdict))}) {
    if (!failure.empty()) throw TraceError(TraceError::Kind::kIo, failure);
  }
  if (line.report_only) return kExitOk;
  return verdict.passed() ? kExitOk : kExitGateFailed;
}

}  // namespace

int CheckCommand(const std::vector<std::string>& args) {
  CheckCommandLine line;
  if (int status = ParseCheckCommandLine(args, &line); status >= 0) return status;
  // The reports' files are opened now: one that cannot be written stops the check before the
  // program runs (perhaps N times), not after.
  ReservedOutput junit, summary;
  for (auto [output_file, path] :
       {std::pair{&junit, &line.junit_path}, {&summary, &line.summary_path}}) {
    if (const std::string reason = output_file->Reserve(*path); !reason.empty()) {
      fprintf(stderr, "memwrap check: %s\n", reason.c_str());
      return kExitUsage;
    }
  }
  try {
    if (!line.baseline_path.empty()) line.limits.baseline = LoadBaseline(line.baseline_path);
    std::vector<RunFigures> runs;
    std::string kept_trace;
    if (line.run_program) {
      if (int status = RecordRuns(line, &runs, &kept_trace); status >= 0) return status;
    } else {
      for (const std::string& trace : line.inputs) {
        Report report = BuildReport(trace, kGateReport);
        RequireWholeRun(report);
        runs.push_back(FiguresOf(report));
      }
    }
    return PrintVerdict(line, runs, kept_trace, &junit, &summary);
  } catch (const std::exception& e) {
    fflush(stdout);
    fprintf(stderr, "memwrap check: %s\n", e.what());
    return kExitBadInput;
  }
}

int BaselineCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: memwrap baseline save TRACE -o FILE.json\n"
      "\n"
      "Writes the figures memwrap check compares (peak heap, peak RSS, leaked bytes) of a\n"
      "trace, with the call sites live at its heap peak, as a baseline file\n"
      "(docs/baseline.md). A trace cut short gets a warning. Exit codes: 0 written, 2 bad\n"
      "usage, an unreadable trace or an unwritable output.\n"
      "\n"
      "Options");
  std::string output;
  std::vector<std::string> positional;
  options.add_options()("help,h", "show this help and exit")(
      "output,o", po::value<std::string>(&output)->value_name("FILE.json"), "the baseline file");
  if (int done = ParseFileArguments(args, options, "baseline", &positional); done >= 0) {
    return done;
  }
  if (positional.size() != 2 || positional[0] != "save" || output.empty()) {
    fprintf(stderr, "memwrap baseline: usage: memwrap baseline save TRACE -o FILE.json\n");
    return kExitUsage;
  }
  try {
    Report report = BuildReport(positional[1], kGateReport);
    for (const std::string& warning : report.warnings) {
      fprintf(stderr, "memwrap baseline: warning: %s\n", warning.c_str());
    }
    SaveBaseline(FiguresOf(report), SessionValue(report, session_key::kCommand), output);
    return kExitOk;
  } catch (const std::exception& e) {
    fprintf(stderr, "memwrap baseline: %s\n", e.what());
    return kExitBadInput;
  }
}

}  // namespace memwrap
