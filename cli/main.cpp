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
  // dlogger and cronlogger are this binary under another name (symlinks beside it).
  const char* name = argc > 0 ? argv[0] : "";
  const char* slash = strrchr(name, '/');
  const std::string entered = slash != nullptr ? slash + 1 : name;
  if (entered == "dlogger") return memwrap::SysCommand(args, "dlogger", false);
  if (entered == "cronlogger") return memwrap::SysCommand(args, "cronlogger", true);
  if (args.empty()) {
    fputs(kUsage, stderr);
    return memwrap::kExitUsage;
  }
  const std::string& first = args.front();
  if (first == "help") return memwrap::RunCommand({"--help"});
  if (first == "run") return memwrap::RunCommand({args.begin() + 1, args.end()});
  if (first == "report") return memwrap::ReportCommand({args.begin() + 1, args.end()});
  if (first == "check") return memwrap::CheckCommand({args.begin() + 1, args.end()});
  if (first == "diff") return memwrap::DiffCommand({args.begin() + 1, args.end()});
  if (first == "timeline") return memwrap::TimelineCommand({args.begin() + 1, args.end()});
  if (first == "sys") return memwrap::SysCommand({args.begin() + 1, args.end()}, "memwrap sys", false);
  if (first == "baseline") return memwrap::BaselineCommand({args.begin() + 1, args.end()});
  return memwrap::RunCommand(args);  // `memwrap ./app` means `memwrap run ./app`
}
