// memwrap: `memwrap [run] [options] [--] PROGRAM [ARGS...]`, `memwrap report TRACE`.
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "commands.h"
#include "exit_codes.h"

namespace {

const char kUsage[] =
    "usage: memwrap [run] [options] [--] PROGRAM [ARGS...]   record a program's heap\n"
    "       memwrap report TRACE... [options]                analyse traces\n"
    "       memwrap diff A B [options]                       compare two traces\n"
    "       memwrap timeline TRACE [options]                 memory over time\n"
    "       memwrap check [limits] (TRACE... | -- PROGRAM)   CI gate on peak memory\n"
    "       memwrap baseline save TRACE -o FILE.json         store figures for check\n"
    "       memwrap plot TRACE... -o report.html             self-contained HTML report\n"
    "       memwrap export --format F TRACE -o OUT           pprof, chrome, folded, massif, csv\n"
    "       memwrap fltrec [options] -- PROGRAM  (or fltrec)  flight recorder: dump on trigger\n"
    "       memwrap ltrace [options] PROGRAM [ARGS...]       library calls (also: ltracedrv)\n"
    "       memwrap strace [options] PROGRAM | -p PID        system calls (also: stracedrv)\n"
    "       memwrap sys [--once] [options]                   system-wide log (dlogger, cronlogger)\n"
    "\n"
    "memwrap records every heap allocation of PROGRAM (and of the programs it executes) with\n"
    "its call stack, writes a trace file, and prints the exact heap peak and the call sites\n"
    "live at that instant. It exits with PROGRAM's exit status.\n"
    "\n"
    "Run `memwrap --help` or `memwrap report --help` for their options.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // The same binary entered under a driver's name (a link named fltrec, ltracedrv, ...).
  const char* slash = argc > 0 ? strrchr(argv[0], '/') : nullptr;
  const std::string invoked = argc > 0 ? (slash != nullptr ? slash + 1 : argv[0]) : "";
  if (invoked == "ltracedrv") return memwrap::LtraceCommand(args, "ltracedrv");
  if (invoked == "fltrec") return memwrap::FltrecCommand(args);
  if (invoked == "stracedrv") return memwrap::StraceCommand(args);
  if (invoked == "dlogger") return memwrap::SysCommand(args, "dlogger", false);
  if (invoked == "cronlogger") return memwrap::SysCommand(args, "cronlogger", true);
  if (args.empty()) {
    fputs(kUsage, stderr);
    return memwrap::kExitUsage;
  }
  const std::string& first = args.front();
  if (first == "help") return memwrap::RunCommand({"--help"});
  if (first == "run") return memwrap::RunCommand({args.begin() + 1, args.end()});
  if (first == "fltrec") return memwrap::FltrecCommand({args.begin() + 1, args.end()});
  if (first == "report") return memwrap::ReportCommand({args.begin() + 1, args.end()});
  if (first == "check") return memwrap::CheckCommand({args.begin() + 1, args.end()});
  if (first == "diff") return memwrap::DiffCommand({args.begin() + 1, args.end()});
  if (first == "timeline") return memwrap::TimelineCommand({args.begin() + 1, args.end()});
  if (first == "export") return memwrap::ExportCommand({args.begin() + 1, args.end()});
  if (first == "plot") return memwrap::PlotCommand({args.begin() + 1, args.end()});
  if (first == "ltrace") return memwrap::LtraceCommand({args.begin() + 1, args.end()}, "memwrap ltrace");
  if (first == "strace") return memwrap::StraceCommand({args.begin() + 1, args.end()});
  if (first == "sys") return memwrap::SysCommand({args.begin() + 1, args.end()}, "memwrap sys", false);
  if (first == "baseline") return memwrap::BaselineCommand({args.begin() + 1, args.end()});
  return memwrap::RunCommand(args);  // `memwrap ./app` means `memwrap run ./app`
}
