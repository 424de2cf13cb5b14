// The subcommands of the memwrap binary; each takes the arguments after its name.
#pragma once

#include <string>
#include <vector>

namespace memwrap {

// The names `memwrap NAME` dispatches on (cli/main.cpp), for "did you mean".
const std::vector<std::string>& CommandNames();

// The list of commands, one usage line each, that `memwrap` without arguments and `memwrap
// --help` both print (from one table, cli/commands.cpp), starting "usage: ".
std::string CommandList();

int RunCommand(const std::vector<std::string>& args);
int FltrecCommand(const std::vector<std::string>& args);
int WatchCommand(const std::vector<std::string>& args);
int ReportCommand(const std::vector<std::string>& args);
int CheckCommand(const std::vector<std::string>& args);
int DiffCommand(const std::vector<std::string>& args);
int TimelineCommand(const std::vector<std::string>& args);
int BaselineCommand(const std::vector<std::string>& args);
int ExportCommand(const std::vector<std::string>& args);
int PlotCommand(const std::vector<std::string>& args);
// `name` is how the user called it ("ltracedrv" or "memwrap ltrace"), for messages.
int LtraceCommand(const std::vector<std::string>& args, const char* name);
// stracedrv / memwrap strace
int StraceCommand(const std::vector<std::string>& args);
// How long the system logger samples: until --duration or a signal, or one sample (cronlogger).
enum class SysSampling { kContinuous, kOnce };
// dlogger / cronlogger / `memwrap sys`: `command` names it in messages.
int SysCommand(const std::vector<std::string>& args, const std::string& command,
               SysSampling sampling);

}  // namespace memwrap
