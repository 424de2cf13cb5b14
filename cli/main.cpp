// memwrap: `memwrap [run] [options] [--] PROGRAM [ARGS...]`, `memwrap report TRACE`.
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/did_you_mean.h"
#include "memwrap/exit_codes.h"
#include "tracer/plugin/plugin_host.h"

namespace {

// What `memwrap` without arguments prints: the commands (the same list as `memwrap --help`).
std::string Usage() {
  return memwrap::CommandList() +
         "\n"
         "memwrap records every heap allocation of PROGRAM (and of the programs it executes) with\n"
         "its call stack, writes a trace file, and prints the exact heap peak and the call sites\n"
         "live at that instant. It exits with PROGRAM's exit status.\n"
         "\n"
         "Run `memwrap --help` or `memwrap help COMMAND` for their options.\n";
}

// Runs `memwrap COMMAND ARGS...` and returns its status; `found` false when COMMAND is not a
// command.
int Dispatch(const std::string& command, const std::vector<std::string>& args, bool* found) {
  *found = true;
  using namespace memwrap;
  if (command == "run") return RunCommand(args);
  if (command == "fltrec") return FltrecCommand(args);
  if (command == "watch") return WatchCommand(args);
  if (command == "report") return ReportCommand(args);
  if (command == "check") return CheckCommand(args);
  if (command == "diff") return DiffCommand(args);
  if (command == "timeline") return TimelineCommand(args);
  if (command == "export") return ExportCommand(args);
  if (command == "plot") return PlotCommand(args);
  if (command == "ltrace") return LtraceCommand(args, "memwrap ltrace");
  if (command == "strace") return StraceCommand(args);
  if (command == "sys") return SysCommand(args, "memwrap sys", SysSampling::kContinuous);
  if (command == "baseline") return BaselineCommand(args);
  *found = false;
  return 0;
}

// `memwrap help [COMMAND]`: the general options, or COMMAND's.
int Help(const std::vector<std::string>& topics) {
  const std::vector<std::string>& commands = memwrap::CommandNames();
  if (topics.empty() || topics[0] == "run" || topics[0] == "help" || topics[0] == "version") {
    return memwrap::RunCommand({"--help"});
  }
  const std::string& topic = topics[0];
  if (std::find(commands.begin(), commands.end(), topic) == commands.end()) {
    const std::string closest = memwrap::ClosestName(topic, commands);
    fprintf(stderr, "memwrap help: no command named '%s'%s (see memwrap --help)\n", topic.c_str(),
            closest.empty() ? "" : ("; did you mean '" + closest + "'?").c_str());
    return memwrap::kExitUsage;
  }
  bool found = false;
  return Dispatch(topic, {"--help"}, &found);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // The same binary entered under a driver's name (a link named fltrec, ltracedrv, ...).
  const char* slash = argc > 0 ? strrchr(argv[0], '/') : nullptr;
  const std::string invoked = argc > 0 ? (slash != nullptr ? slash + 1 : argv[0]) : "";
  // A plugin's host, started by memwrap itself (tracer/plugin/plugin_host.h).
  if (invoked == memwrap::kPluginHostName) return memwrap::PluginHostMain(argc, argv);
  if (invoked == "ltracedrv") return memwrap::LtraceCommand(args, "ltracedrv");
  if (invoked == "fltrec") return memwrap::FltrecCommand(args);
  if (invoked == "stracedrv") return memwrap::StraceCommand(args);
  if (invoked == "dlogger")
    return memwrap::SysCommand(args, "dlogger", memwrap::SysSampling::kContinuous);
  if (invoked == "cronlogger")
    return memwrap::SysCommand(args, "cronlogger", memwrap::SysSampling::kOnce);
  if (args.empty()) {
    fputs(Usage().c_str(), stderr);
    return memwrap::kExitUsage;
  }
  const std::string& first = args.front();
  if (first == "--version" || first == "version") {
    printf("memwrap %s\n", MEMWRAP_VERSION);
    return memwrap::kExitOk;
  }
  if (first == "help") return Help({args.begin() + 1, args.end()});
  bool found = false;
  const int status = Dispatch(first, {args.begin() + 1, args.end()}, &found);
  if (found) return status;
  return memwrap::RunCommand(args);  // `memwrap ./app` means `memwrap run ./app`
}
