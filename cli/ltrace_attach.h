// ltracedrv -p PID: the library calls a running process's main program makes through its
// PLT, seen with breakpoints (tracer/plt_breakpoints.h) and shown like the audit library's
// (docs/ltrace.md, "-p: attaching to a running process").
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "cli/call_printer.h"
#include "cli/library_call_setup.h"

namespace memwrap {

struct LtraceAttachment {
  pid_t pid = 0;
  std::vector<FilterExpression> expressions;  // -e chains only (the callers' filter)
  unsigned string_size = kDefaultStringSize;
};

// Attaches to `what.pid` and every thread of it, traces until the process ends or ltracedrv
// gets SIGINT, SIGTERM, SIGHUP or SIGQUIT (then every breakpoint is taken out and the process
// let go, running on as before). Returns "" with *wait_status the process's wait status (-1:
// detached before it ended), or a one-line reason nothing was traced.
std::string TraceAttached(const LtraceAttachment& what, CallPrinter* printer, int* wait_status);

}  // namespace memwrap
