// `memwrap check`: the CI gate on peak memory, and `memwrap baseline save`.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "byte_format.h"
#include "command_line.h"
#include "commands.h"
#include "exit_codes.h"
#include "memory_gate.h"
#include "report.h"
#include "tracefile/trace_error.h"

namespace memwrap {
namespace po = boost::program_options;
namespace {

constexpr int kExitGateFailed = 1;

const ReportOptions kWholeReport{.top = 10, .process = 0, .suppressions = ""};

// Runs `memwrap run -q -o TRACE -- PROGRAM...` as a child (memwrap itself, so each run is a
// normal one); returns its wait status.
int RecordOnce(const std::vector<std::string>& program, const std::string& trace) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) throw std::runtime_error("cannot find the memwrap executable");
  self[n] = '\0';
  std::vector<std::string> argv = {self, "run", "-q", "--force", "-o", trace, "--"};
  argv.insert(argv.end(), program.begin(), program.end());
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t child = fork();
  if (child < 0) throw std::runtime_error(std::string("fork: ") + strerror(errno));
  if (child == 0) {
    execv(self, args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

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

}  // namespace

int CheckCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: memwrap check [options] TRACE...\n"
      "       memwrap check [options] -- PROGRAM [ARGS...]\n"
      "\n"
      "The CI gate on memory: judges the traces given, or runs PROGRAM under memwrap (N times\n"
      "with --repeat, judging the median of each figure), against absolute limits and/or a\n"
      "baseline (memwrap baseline save). Prints one line per limit with the actual value and\n"
      "the allowed one. Exit codes: 0 every limit holds, 1 a limit is exceeded or the program\n"
      "failed, 2 bad usage or input (a size like 12XB, a missing baseline, an unreadable trace).\n"
      "\n"
      "Options");
  std::string baseline_path, tolerance_text = "0", junit_path, summary_path;
  unsigned repeat = 1;
  bool report_only = false;
  options.add_options()
      ("help,h", "show this help and exit")
      ("max-peak-rss", po::value<std::string>()->value_name("SIZE"),
       "largest allowed peak RSS (of the process with the largest; exact for the program "
       "memwrap starts)")
      ("max-peak-heap", po::value<std::string>()->value_name("SIZE"), "largest allowed heap peak")
      ("max-leaked", po::value<std::string>()->value_name("SIZE"),
       "largest allowed leaked bytes (live when their process ended)")
      ("baseline", po::value<std::string>(&baseline_path)->value_name("FILE.json"),
       "compare with a baseline (memwrap baseline save): peak heap, peak RSS and leaked bytes "
       "may not exceed the baseline's by more than --tolerance")
      ("tolerance", po::value<std::string>(&tolerance_text)->value_name("PCT")->default_value("0"),
       "allowed growth over the baseline, in percent (5 or 5%)")
      ("repeat", po::value<unsigned>(&repeat)->value_name("N")->default_value(1),
       "with -- PROGRAM: run it N times and judge the median of each figure")
      ("report-only", po::bool_switch(&report_only), "print the verdict but always exit 0")
      ("junit", po::value<std::string>(&junit_path)->value_name("FILE"),
       "also write the verdict as JUnit XML (one test case per limit)")
      ("summary", po::value<std::string>(&summary_path)->value_name("FILE.md"),
       "also write the verdict as a Markdown table (for a CI job summary page)");
  SplitCommandLine split = SplitAtProgram(args, options);
  // Without "--", what follows the options is TRACE...; SplitAtProgram calls it the program.
  const bool run_program =
      std::find(args.begin(), args.end(), "--") != args.end() &&
      size_t(std::find(args.begin(), args.end(), "--") - args.begin()) == split.options.size();
  po::variables_map vm;
  GateLimits limits;
  std::string error;
  try {
    po::store(po::command_line_parser(split.options).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    fprintf(stderr, "memwrap check: %s (see memwrap check --help)\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  if (!ParseSizeOption(vm, "max-peak-rss", &limits.max_peak_rss, &error) ||
      !ParseSizeOption(vm, "max-peak-heap", &limits.max_peak_heap, &error) ||
      !ParseSizeOption(vm, "max-leaked", &limits.max_leaked, &error)) {
    fprintf(stderr, "memwrap check: %s\n", error.c_str());
    return kExitUsage;
  }
  if (!ParsePercent(tolerance_text, &limits.tolerance_percent)) {
    fprintf(stderr, "memwrap check: --tolerance %s: not a percentage (e.g. 5 or 5%%)\n",
            tolerance_text.c_str());
    return kExitUsage;
  }
  if (repeat < 1 || (repeat > 1 && !run_program)) {
    fprintf(stderr, "memwrap check: --repeat needs -- PROGRAM and N >= 1\n");
    return kExitUsage;
  }
  if (split.program.empty()) {
    fprintf(stderr, "memwrap check: give TRACE... or -- PROGRAM [ARGS...]\n");
    return kExitUsage;
  }
  if (!limits.max_peak_rss && !limits.max_peak_heap && !limits.max_leaked &&
      baseline_path.empty()) {
    fprintf(stderr, "memwrap check: no limit given (--max-peak-rss, --max-peak-heap, "
                    "--max-leaked or --baseline)\n");
    return kExitUsage;
  }
  try {
    if (!baseline_path.empty()) limits.baseline = LoadBaseline(baseline_path);
    std::vector<RunFigures> runs;
    if (run_program) {
      char pattern[] = "/tmp/memwrap-check-XXXXXX";
      if (mkdtemp(pattern) == nullptr) throw std::runtime_error("cannot create a temporary directory");
      const std::string dir = pattern;
      for (unsigned i = 1; i <= repeat; ++i) {
        const std::string trace = dir + "/run." + std::to_string(i) + ".mwt";
        const int status = RecordOnce(split.program, trace);
        if (WIFEXITED(status) && (WEXITSTATUS(status) == 126 || WEXITSTATUS(status) == 127) &&
            !std::filesystem::exists(trace)) {
          std::filesystem::remove_all(dir);
          return kExitUsage;  // memwrap run said why: the program cannot be run
        }
        RunFigures figures = FiguresOf(BuildReport(trace, kWholeReport));
        figures.trace = "run " + std::to_string(i);
        runs.push_back(figures);
      }
      std::filesystem::remove_all(dir);
    } else {
      for (const std::string& trace : split.program) {
        runs.push_back(FiguresOf(BuildReport(trace, kWholeReport)));
      }
    }
    GateVerdict verdict = JudgeRuns(runs, limits);
    for (const GateCheck& check : verdict.checks) printf("%s\n", check.message.c_str());
    printf("memwrap check: %s\n", verdict.passed() ? "passed" : "FAILED");
    auto write = [](const std::string& path, const std::string& text) {
      std::ofstream file(path, std::ios::trunc);
      file << text;
      file.flush();
      if (!file) throw TraceError(TraceError::Kind::kIo, "cannot write '" + path + "'");
    };
    if (!junit_path.empty()) write(junit_path, GateJunitXml(verdict));
    if (!summary_path.empty()) write(summary_path, GateMarkdown(verdict));
    if (report_only) return kExitOk;
    return verdict.passed() ? kExitOk : kExitGateFailed;
  } catch (const std::exception& e) {
    fprintf(stderr, "memwrap check: %s\n", e.what());
    return kExitBadInput;
  }
}

int BaselineCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: memwrap baseline save TRACE -o FILE.json\n"
      "\n"
      "Writes the figures memwrap check compares (peak heap, peak RSS, leaked bytes) of a\n"
      "trace as a baseline file (docs/baseline.md). Exit codes: 0 written, 2 bad usage, an\n"
      "unreadable trace or an unwritable output.\n"
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
    Report report = BuildReport(positional[1], kWholeReport);
    auto command = report.session.find("command");
    SaveBaseline(FiguresOf(report), command != report.session.end() ? command->second : "",
                 output);
    return kExitOk;
  } catch (const std::exception& e) {
    fprintf(stderr, "memwrap baseline: %s\n", e.what());
    return kExitBadInput;
  }
}

}  // namespace memwrap
