#include "cli/commands.h"

#include <stddef.h>

#include <algorithm>

namespace memwrap {
namespace {

struct Command {
  const char* name;    // what `memwrap NAME` dispatches on; "" for a line that is no command
  const char* syntax;  // its usage, after "memwrap "
  const char* what;
};

// In the order the usage lists them.
constexpr Command kCommands[] = {
    {"run", "[run] [options] [--] PROGRAM [ARGS...]", "record a program's heap"},
    {"", "-p PID [options]", "record a running process (RSS, memory calls)"},
    {"report", "report TRACE... [options]", "analyse traces"},
    {"diff", "diff A B [options]", "compare two traces"},
    {"timeline", "timeline TRACE [options]", "memory over time"},
    {"check", "check [limits] (TRACE... | -- PROGRAM)", "CI gate on peak memory"},
    {"baseline", "baseline save TRACE -o FILE.json", "store figures for check"},
    {"plot", "plot TRACE... -o report.html", "self-contained HTML report"},
    {"export", "export --format F TRACE -o OUT", "pprof, chrome, folded, massif, csv, jsonl"},
    {"fltrec", "fltrec [options] -- PROGRAM", "flight recorder (also: fltrec)"},
    {"watch", "watch [--filter EXPR] -- PROGRAM | -p PID", "print the heap events as they happen"},
    {"ltrace", "ltrace [options] PROGRAM [ARGS...]", "library calls (also: ltracedrv)"},
    {"strace", "strace [options] PROGRAM | -p PID", "system calls (also: stracedrv)"},
    {"sys", "sys [--once] [options]", "system-wide log (dlogger, cronlogger)"},
    {"help", "help [COMMAND]", "a command's options"},
    {"version", "--version", "memwrap's version"},
};
constexpr size_t kSyntaxWidth = 43;  // the widest syntax, plus room

}  // namespace

const std::vector<std::string>& CommandNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> list;
    for (const Command& command : kCommands) {
      if (*command.name != '\0') list.push_back(command.name);
    }
    return list;
  }();
  return names;
}

std::string CommandList() {
  std::string text;
  for (const Command& command : kCommands) {
    std::string line = (text.empty() ? "usage: memwrap " : "       memwrap ");
    line += command.syntax;
    line.resize(std::max(line.size() + 2, 15 + kSyntaxWidth), ' ');
    text += line + command.what + "\n";
  }
  return text;
}

}  // namespace memwrap
